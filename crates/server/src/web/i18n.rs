//! The console's words in Vietnamese (the default) and English.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Vi,
    En,
}

impl Lang {
    pub fn from_cookie(v: Option<&str>) -> Lang {
        match v {
            Some("en") => Lang::En,
            _ => Lang::Vi,
        }
    }
    pub fn code(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }
}

/// (key, Vietnamese, English)
const WORDS: &[(&str, &str, &str)] = &[
    ("app", "Canh gác — An toàn thông tin tỉnh", "canhgac — provincial cyber security"),
    ("dashboard", "Tổng quan", "Dashboard"),
    ("orgs", "Đơn vị", "Organisations"),
    ("systems", "Hệ thống thông tin", "Information systems"),
    ("assets", "Tài sản", "Assets"),
    ("import", "Nhập dữ liệu", "Import"),
    ("admin", "Quản trị", "Administration"),
    ("users", "Tài khoản", "Accounts"),
    ("tokens", "Mã truy cập API", "API tokens"),
    ("audit", "Nhật ký kiểm toán", "Audit log"),
    ("national_bodies", "Cơ quan quốc gia", "National bodies"),
    ("national_bodies_hint", "Tên các cơ quan in trên văn bản (Kính gửi, Nơi nhận), trong thư thông báo và danh bạ. Từ 01/3/2025 quản lý nhà nước về an toàn thông tin mạng chuyển sang Bộ Công an (Cục A05).", "The names documents (addressee, recipients), messages and the directory use. Since 1 March 2025 the state management of information security is with the Ministry of Public Security (A05)."),
    ("warning_issuer_name", "Cơ quan ban hành cảnh báo lỗ hổng", "Body that issues vulnerability warnings"),
    ("warning_issuer_short", "Tên viết tắt của cơ quan ban hành cảnh báo", "Its abbreviation"),
    ("incident_recipients", "Cơ quan tiếp nhận báo cáo sự cố (mỗi dòng: mã | tên viết tắt | tên đầy đủ)", "Bodies that receive incident reports (one a line: code | abbreviation | full name)"),
    ("names_confirmed", "Đã xác nhận tên các cơ quan", "The names are confirmed"),
    ("to_confirm", "Cần xác nhận: tên các cơ quan là dữ liệu mặc định, người cài đặt cần kiểm tra.", "To be confirmed: the names are the defaults; the installer should check them."),
    ("incidents", "Sự cố", "Incidents"),
    ("report_incident", "Báo cáo sự cố", "Report an incident"),
    ("severity", "Mức độ", "Severity"),
    ("detected_at", "Thời điểm phát hiện", "Detected"),
    ("incident_class", "Loại sự cố", "Class"),
    ("reporter", "Người báo cáo", "Reporter"),
    ("phone", "Điện thoại", "Phone"),
    ("measures_taken", "Biện pháp đã thực hiện", "Measures taken"),
    ("initial_report_docx", "Báo cáo ban đầu (DOCX)", "Initial report (DOCX)"),
    ("report_by", "Hạn báo cáo", "Report by"),
    ("resolve_by", "Hạn khắc phục", "Resolve by"),
    ("responders", "Người ứng cứu", "Responders"),
    ("end_report", "Báo cáo kết thúc ứng phó (khi kết thúc)", "End-of-response report (to close)"),
    ("end_summary", "Tóm tắt sự cố và quá trình ứng phó", "Summary of the incident and the response"),
    ("end_cause", "Nguyên nhân", "Cause"),
    ("end_result", "Kết quả xử lý", "Result"),
    ("end_damage", "Thiệt hại, ảnh hưởng", "Damage"),
    ("end_lessons", "Bài học kinh nghiệm", "Lessons learned"),
    ("end_recommendations", "Đề xuất, kiến nghị", "Recommendations"),
    ("end_report_docx", "Báo cáo kết thúc ứng phó (DOCX)", "End-of-response report (DOCX)"),
    ("tasks", "Nhiệm vụ", "Tasks"),
    ("directives", "Chỉ đạo", "Directives"),
    ("periodic_reports", "Báo cáo định kỳ", "Periodic reports"),
    ("check_period_data", "Xem số liệu của kỳ", "Check the period's data"),
    ("report_period", "Kỳ báo cáo", "Reporting period"),
    ("download", "Tải về", "Download"),
    ("reports_due", "Báo cáo sắp đến hạn", "Reports due"),
    ("reports_hint", "Báo cáo 6 tháng gửi trước ngày 20/6, báo cáo 6 tháng cuối năm và báo cáo năm trước ngày 15/12; canhgac nhắc các đơn vị 7 ngày trước hạn.", "The first half-year report is due before 20 June, the second and the yearly report before 15 December; canhgac reminds every organisation 7 days before."),
    ("province", "Toàn tỉnh", "The province"),
    ("my_org", "Đơn vị của tôi", "My organisation"),
    ("directive_number", "Số văn bản", "Number"),
    ("issued_on", "Ngày ban hành", "Issued on"),
    ("issuer", "Cơ quan ban hành", "Issuer"),
    ("record_directive", "Ghi nhận văn bản chỉ đạo", "Record a directive"),
    ("tasks_lines", "Nhiệm vụ, mỗi dòng một nhiệm vụ: nhóm nhận | hạn | nội dung (dấu * đầu nội dung: cần minh chứng). Nhóm: agency, district, commune, isp, soc hoặc #mã đơn vị.", "Tasks, one per line: recipients | deadline | text (a leading * requires evidence). Recipients: agency, district, commune, isp, soc or #organisation id."),
    ("document", "Văn bản", "Document"),
    ("attach_document", "Đính kèm văn bản", "Attach the document"),
    ("send_reminders", "Gửi nhắc việc cho đơn vị chưa hoàn thành", "Remind organisations with unfinished tasks"),
    ("reminders_sent", "Đã xếp hàng nhắc việc (đơn vị / tin nhắn)", "Reminders queued (organisations / messages)"),
    ("matrix", "Tiến độ theo đơn vị", "Progress by organisation"),
    ("my_tasks", "Nhiệm vụ của đơn vị", "Your organisation's tasks"),
    ("task_pending", "Chưa báo cáo", "Not reported"),
    ("task_in_progress", "Đang thực hiện", "In progress"),
    ("task_done", "Đã hoàn thành", "Done"),
    ("task_not_applicable", "Không áp dụng", "Not applicable"),
    ("evidence_required", "Cần minh chứng", "Evidence required"),
    ("task_owner", "Người thực hiện (tên đăng nhập)", "Owner (user name)"),
    ("due", "Hạn", "Due"),
    ("mark_done", "Đánh dấu hoàn thành", "Mark done"),
    ("done_at", "Hoàn thành lúc", "Done at"),
    ("evidence_files", "Chứng cứ", "Evidence"),
    ("evidence_help", "Tệp được lưu nguyên vẹn kèm mã SHA-256; mọi lượt tải đều được ghi lại.", "Files are kept whole with their SHA-256; every download is recorded."),
    ("size_bytes", "Kích thước (byte)", "Size (bytes)"),
    ("upload", "Tải lên", "Upload"),
    ("added_by", "Người thêm", "Added by"),
    ("response_contacts", "Danh bạ ứng cứu sự cố", "Response contacts"),
    ("hotline", "Đường dây nóng", "Hotline"),
    ("points_24x7", "Đầu mối trực 24/7 của các đơn vị", "Organisations' 24/7 contact points"),
    ("add_contact", "Thêm đầu mối", "Add a contact"),
    ("category", "Nhóm", "Category"),
    ("contact_national", "Cơ quan quốc gia", "National bodies"),
    ("contact_department", "Sở / cơ quan điều phối", "The Department"),
    ("contact_response_team", "Đội ứng cứu sự cố tỉnh", "Provincial response team"),
    ("contact_other", "Khác", "Other"),
    ("overdue_only", "Chỉ sự cố quá hạn", "Overdue only"),
    ("overdue_incidents", "Sự cố quá hạn", "Overdue incidents"),
    ("assign_responder", "Phân công người ứng cứu (tên đăng nhập)", "Assign a responder (user name)"),
    ("observables", "Dấu hiệu (IP, tên miền, mã băm …)", "Observables"),
    ("value", "Giá trị", "Value"),
    ("also_in", "Cũng xuất hiện ở", "Also in"),
    ("decision", "Quyết định", "Decision"),
    ("duty", "Trực", "Duty"),
    ("on_duty_now", "Đang trực", "On duty now"),
    ("no_period_now", "Hiện không có đợt cao điểm nào.", "No high-alert period is running."),
    ("on_duty", "Người trực", "On duty"),
    ("until", "Đến", "Until"),
    ("handover_note", "Ghi chú bàn giao", "Hand-over note"),
    ("watch", "Ca sau cần theo dõi", "What the next shift must watch"),
    ("no_open_incidents", "Không có sự cố đang mở.", "No open incident."),
    ("handover_hint", "Ghi số sự cố dạng #12 trong ghi chú bàn giao để liên kết và ghi vào diễn biến của sự cố.", "Write incident numbers as #12 in a hand-over note to link it and add it to the incident's timeline."),
    ("nobody_on_duty", "Không có người trực", "Nobody on duty"),
    ("alert_periods", "Các đợt cao điểm", "High-alert periods"),
    ("new_period", "Đợt cao điểm mới", "New high-alert period"),
    ("starts_at", "Bắt đầu", "Starts"),
    ("ends_at", "Kết thúc", "Ends"),
    ("shifts", "Số ca", "Shifts"),
    ("duty_coverage", "Bảo đảm trực 24/7", "24/7 coverage"),
    ("covered", "Đủ", "Covered"),
    ("gaps", "khoảng trống", "gaps"),
    ("no_roster", "Chưa có lịch trực", "No roster yet"),
    ("rotation", "Lập lịch theo vòng", "Generate from a rotation"),
    ("rotation_hint", "Mỗi dòng một người: họ tên, số điện thoại. Lịch mới thay thế lịch hiện có; sau đó có thể sửa từng ca.", "One person per line: name, phone. The new roster replaces the current one; edit shifts afterwards."),
    ("people_in_turn", "Người trực theo thứ tự", "People in turn"),
    ("edit_shift", "Sửa ca trực", "Edit shift"),
    ("shift_people_hint", "Mỗi dòng một người: họ và tên, số điện thoại.", "One person per line: name, phone."),
    ("shift_hours", "Độ dài ca (giờ)", "Shift length (hours)"),
    ("handover_time", "Giờ giao ca", "Hand-over time"),
    ("office_hours_only", "Chỉ trong giờ hành chính (bỏ thứ Bảy, Chủ nhật, ngày lễ)", "Office hours only (no weekends or public holidays)"),
    ("generate", "Lập lịch", "Generate"),
    ("vulns", "Lỗ hổng", "Vulnerabilities"),
    ("warning", "Cảnh báo", "Warning"),
    ("new_warning", "Ghi nhận cảnh báo của Cục ATTT", "Record a warning of the Authority"),
    ("number", "Số", "Number"),
    ("date", "Ngày", "Date"),
    ("title", "Trích yếu", "Title"),
    ("deadline", "Hạn xử lý", "Deadline"),
    ("published", "Đã ban hành", "Published"),
    ("publish", "Ban hành và thông báo", "Publish and notify"),
    ("required_action", "Yêu cầu xử lý", "Required action"),
    ("content", "Nội dung", "Content"),
    ("feeds", "Nguồn dữ liệu lỗ hổng", "Vulnerability feeds"),
    ("feeds_hint", "NVD 2.0 JSON, CVE JSON 5, danh mục KEV, CSAF 2.0, bản cập nhật bảo mật hằng tháng của Microsoft (CVRF JSON), EPSS CSV (cả .gz/.xz). Nhập lại cùng tệp không làm thay đổi dữ liệu.", "NVD 2.0 JSON, CVE JSON 5, the KEV catalogue, CSAF 2.0, Microsoft's monthly security updates (CVRF JSON), EPSS CSV (also .gz/.xz). Importing a file again changes nothing."),
    ("run_match", "Đối chiếu toàn bộ tài sản", "Match the whole inventory"),
    ("match_done", "Đã đối chiếu tài sản / bản ghi", "Matched assets / records"),
    ("new_findings", "phát hiện mới", "new findings"),
    ("resolved_by_update", "hết ảnh hưởng sau cập nhật", "resolved by update"),
    ("reopened", "mở lại", "reopened"),
    ("unevaluable", "Không thể đánh giá", "Cannot be evaluated"),
    ("unevaluable_help", "Bản ghi nêu sản phẩm của tài sản nhưng không so sánh được phiên bản: cần kiểm tra thủ công.", "A record names the asset's product but its version cannot be compared: check by hand."),
    ("record", "Bản ghi", "Record"),
    ("records_written", "bản ghi được ghi", "records written"),
    ("feed_problems", "lỗi", "problems"),
    ("findings", "Phát hiện", "Findings"),
    ("open_findings", "Chưa xử lý xong", "Open"),
    ("overdue", "Quá hạn", "Overdue"),
    ("done", "Đã xử lý", "Done"),
    ("known_cves", "Thông tin lỗ hổng", "What the feeds know"),
    ("priority", "Mức ưu tiên", "Priority"),
    ("evidence", "Căn cứ phát hiện", "Evidence"),
    ("history", "Lịch sử", "History"),
    ("note", "Ghi chú", "Note"),
    ("accepted_until", "Chấp nhận rủi ro đến ngày", "Risk accepted until"),
    ("time", "Thời gian", "Time"),
    ("botnet", "IP botnet", "Botnet IPs"),
    ("botnet_list", "Danh sách IP botnet", "Botnet list"),
    ("botnet_import", "Nhập danh sách IP botnet", "Import a botnet list"),
    ("botnet_import_hint", "Tệp TXT (mỗi dòng một IP), CSV/TSV có dòng tiêu đề (báo cáo Shadowserver, danh sách Feodo), IP<TAB>số lần, hoặc XLSX. Xem trước rồi mới ghi.", "TXT (one IP per line), CSV/TSV with a header (Shadowserver reports, the Feodo list), IP<TAB>count, or XLSX. Preview before writing."),
    ("botnet_ips", "Các địa chỉ IP", "Listed addresses"),
    ("botnet_trend", "Số IP botnet theo tháng", "Botnet IPs by month"),
    ("by_owner", "Theo đơn vị", "By owner"),
    ("by_isp", "Theo nhà mạng", "By operator"),
    ("ips_in_space", "Số IP trong vùng địa chỉ", "Addresses in its space"),
    ("isp_prefixes", "Vùng địa chỉ nhà mạng", "Operator prefixes"),
    ("prefix_hint", "Danh sách prefix của một ASN (mỗi dòng một CIDR; tên tệp dạng AS7552-….txt hoặc nhập ASN), hoặc CSV prefix,asn,name. Mỗi ASN trong tệp thay thế dữ liệu cũ của ASN đó.", "A prefix list of one ASN (one CIDR per line; file named AS7552-….txt or give the ASN), or a prefix,asn,name CSV. Each ASN in the file replaces what was known of it."),
    ("prefix_count", "Số prefix", "Prefixes"),
    ("prefixes_written", "prefix đã ghi", "prefixes written"),
    ("notifications", "Thông báo", "Notifications"),
    ("pending", "Đang chờ gửi", "Pending"),
    ("sent", "Đã gửi", "Sent"),
    ("failed", "Gửi thất bại", "Failed"),
    ("recipient", "Người nhận", "Recipient"),
    ("subject", "Tiêu đề", "Subject"),
    ("status", "Trạng thái", "Status"),
    ("attempts", "Số lần gửi", "Attempts"),
    ("last_error", "Lỗi gần nhất", "Last error"),
    ("retry", "Gửi lại", "Send again"),
    ("source", "Nguồn", "Source"),
    ("period", "Tháng", "Month"),
    ("lines", "Số dòng", "Lines"),
    ("listed_ips", "Số IP", "Listed IPs"),
    ("duplicates", "Trùng lặp", "Duplicates"),
    ("special_addresses", "Địa chỉ đặc biệt (nội bộ, dành riêng)", "Special addresses (private, reserved)"),
    ("unknown_owner", "Chưa xác định đơn vị", "Owner unknown"),
    ("on_known_assets", "Trên tài sản đã đăng ký", "On registered assets"),
    ("summary", "Tổng hợp", "Summary"),
    ("compared_with", "So với tháng", "Compared with"),
    ("new_ips", "Mới xuất hiện", "New"),
    ("still_listed", "Tiếp tục có tên", "Still listed"),
    ("cleaned", "Đã hết trong danh sách", "Cleaned"),
    ("reinfected", "Tái nhiễm", "Reinfected"),
    ("marked_cleaned", "Đã báo xử lý", "Marked cleaned"),
    ("mark_cleaned", "Báo đã xử lý", "Mark cleaned"),
    ("cleanup", "Xử lý", "Clean-up"),
    ("cleanup_note", "Biện pháp đã thực hiện", "What was done"),
    ("families", "Họ mã độc", "Malware families"),
    ("first_last_seen", "Ghi nhận lần đầu – lần cuối", "First – last seen"),
    ("matched_block", "Dải địa chỉ", "Matched block"),
    ("seen", "Thời điểm ghi nhận", "Seen"),
    ("asset", "Tài sản", "Asset"),
    ("report_docx", "Báo cáo (DOCX)", "Report (DOCX)"),
    ("report_xlsx", "Báo cáo (XLSX)", "Report (XLSX)"),
    ("sign_in", "Đăng nhập", "Sign in"),
    ("sign_out", "Đăng xuất", "Sign out"),
    ("sign_out_all", "Đăng xuất mọi nơi", "Sign out everywhere"),
    ("username", "Tên đăng nhập", "User name"),
    ("password", "Mật khẩu", "Password"),
    ("current_password", "Mật khẩu hiện tại", "Current password"),
    ("new_password", "Mật khẩu mới", "New password"),
    ("change_password", "Đổi mật khẩu", "Change password"),
    ("must_change", "Bạn cần đổi mật khẩu trước khi tiếp tục.", "You must change your password before you go on."),
    ("policy", "Mật khẩu phải có:", "The password needs:"),
    ("rule_len", "ít nhất 8 ký tự", "at least 8 characters"),
    ("rule_upper", "chữ hoa", "an upper-case letter"),
    ("rule_lower", "chữ thường", "a lower-case letter"),
    ("rule_digit", "chữ số", "a digit"),
    ("rule_special", "ký tự đặc biệt", "a special character"),
    ("rule_common", "không phải mật khẩu phổ biến, không chứa tên đăng nhập", "not a common password, not containing the user name"),
    ("bad_login", "Tên đăng nhập hoặc mật khẩu không đúng.", "Wrong user name or password."),
    ("locked", "Tài khoản tạm khóa do đăng nhập sai nhiều lần, đến", "The account is locked after repeated failures, until"),
    ("throttled", "Đăng nhập sai quá nhiều lần từ nơi này; hãy thử lại sau", "Too many failed sign-ins from this place; try again after"),
    ("bad_return_path", "Địa chỉ quay lại không phải một trang của canhgac.", "The address to return to is not a page of canhgac."),
    ("language", "English", "Tiếng Việt"),
    ("search", "Tìm kiếm", "Search"),
    ("filter", "Lọc", "Filter"),
    ("all", "Tất cả", "All"),
    ("level", "Cấp độ", "Level"),
    ("code", "Mã", "Code"),
    ("name", "Tên", "Name"),
    ("owner", "Chủ quản", "Owner"),
    ("operator", "Đơn vị vận hành", "Operator"),
    ("function_type", "Loại hệ thống", "Function"),
    ("info_types", "Loại thông tin", "Information types"),
    ("data_subjects", "Số chủ thể dữ liệu", "Data subjects"),
    ("proposed_level", "Cấp độ đề xuất", "Proposed level"),
    ("approved_level", "Cấp độ được phê duyệt", "Approved level"),
    ("approval", "Quyết định phê duyệt", "Approval decision"),
    ("approval_number", "Số quyết định", "Decision number"),
    ("approval_date", "Ngày phê duyệt", "Approval date"),
    ("approval_body", "Cơ quan phê duyệt", "Approving body"),
    ("internet_facing", "Kết nối Internet", "Internet-facing"),
    ("soc_provider", "Đơn vị giám sát (SOC)", "SOC provider"),
    ("isp", "Doanh nghiệp viễn thông", "Telecom operator"),
    ("protection", "Bảo vệ 4 lớp", "4-layer protection"),
    ("onsite_force", "Lực lượng tại chỗ", "On-site force"),
    ("soc_monitoring", "Giám sát bởi SOC", "SOC monitoring"),
    ("last_assessment", "Kiểm tra, đánh giá độc lập gần nhất", "Last independent assessment"),
    ("ncsc_connected", "Kết nối NCSC", "Connected to NCSC"),
    ("notes", "Ghi chú", "Notes"),
    ("yes", "Có", "Yes"),
    ("no", "Không", "No"),
    ("none", "—", "—"),
    ("new_system", "Thêm hệ thống", "New system"),
    ("edit", "Sửa", "Edit"),
    ("delete", "Xóa", "Delete"),
    ("save", "Lưu", "Save"),
    ("cancel", "Hủy", "Cancel"),
    ("confirm_delete", "Xóa vĩnh viễn bản ghi này? Thao tác được ghi vào nhật ký kiểm toán.", "Delete this record for good? The deletion is recorded in the audit log."),
    ("next_page", "Trang sau", "Next page"),
    ("first_page", "Trang đầu", "First page"),
    ("export_csv", "Xuất CSV", "Export CSV"),
    ("export_xlsx", "Xuất Excel", "Export Excel"),
    ("nothing", "Không có bản ghi nào.", "Nothing here."),
    ("hostname", "Tên máy", "Host name"),
    ("role", "Vai trò", "Role"),
    ("ips", "Địa chỉ IP", "IP addresses"),
    ("domains", "Tên miền", "Domains"),
    ("os", "Hệ điều hành", "Operating system"),
    ("software", "Phần mềm", "Software"),
    ("modules", "Mô-đun", "Modules"),
    ("hotfixes", "Bản vá nóng", "Hotfixes"),
    ("kbs", "Bản cập nhật KB", "KB updates"),
    ("system", "Hệ thống", "System"),
    ("org_type", "Loại đơn vị", "Type"),
    ("short_name", "Tên viết tắt", "Short name"),
    ("parent", "Đơn vị cấp trên", "Parent"),
    ("address", "Địa chỉ", "Address"),
    ("contacts", "Người liên hệ", "Contacts"),
    ("duty_contact", "Đầu mối trực 24/7", "24/7 contact point"),
    ("address_blocks", "Dải địa chỉ IP", "Address blocks"),
    ("asns", "Số hiệu mạng (ASN)", "AS numbers"),
    ("systems_by_level", "Hệ thống theo cấp độ", "Systems by level"),
    ("systems_by_org", "Hệ thống theo đơn vị", "Systems by organisation"),
    ("coverage", "Bảo vệ 4 lớp của hệ thống cấp độ 3 trở lên", "4-layer protection of level 3+ systems"),
    ("problems", "Đơn vị còn nhiều tồn tại nhất", "Organisations with the most open problems"),
    ("problems_hint", "Mỗi lớp bảo vệ còn thiếu của hệ thống cấp độ 3+, và mỗi hệ thống chưa được phê duyệt cấp độ, tính là một tồn tại.", "Each missing protection layer of a level 3+ system, and each system whose level is not approved, counts as one problem."),
    ("total_systems", "Tổng số hệ thống", "Systems in total"),
    ("unapproved", "Chưa phê duyệt cấp độ", "Level not approved"),
    ("no_level", "Chưa xác định", "No level"),
    ("assessed_year", "Đánh giá trong 12 tháng", "Assessed within a year"),
    ("import_hint", "Tệp CSV hoặc Excel (XLSX). Dòng tiêu đề là mã cột hoặc tên cột tiếng Việt. Tệp có lỗi sẽ không được ghi dòng nào, trừ khi chọn giữ lại các dòng hợp lệ.", "A CSV or Excel (XLSX) file. The header names the columns by code or Vietnamese heading. A file with errors writes nothing unless you keep the valid rows."),
    ("kind", "Loại dữ liệu", "Kind of data"),
    ("file", "Tệp", "File"),
    ("preview", "Xem trước", "Preview"),
    ("write", "Ghi vào hệ thống", "Write"),
    ("keep_valid", "Giữ lại các dòng hợp lệ", "Keep the valid rows"),
    ("rows", "Số dòng", "Rows"),
    ("will_create", "Sẽ thêm mới", "To create"),
    ("will_update", "Sẽ cập nhật", "To update"),
    ("created", "Đã thêm", "Created"),
    ("updated", "Đã cập nhật", "Updated"),
    ("rejected", "Dòng bị từ chối", "Rejected rows"),
    ("row", "Dòng", "Row"),
    ("column", "Cột", "Column"),
    ("reason", "Lý do", "Reason"),
    ("nothing_written", "Không có dòng nào được ghi.", "Nothing was written."),
    ("written", "Đã ghi vào hệ thống.", "Written."),
    ("display_name", "Họ và tên", "Full name"),
    ("email", "Thư điện tử", "E-mail"),
    ("org", "Đơn vị", "Organisation"),
    ("create", "Tạo", "Create"),
    ("disable", "Khóa", "Disable"),
    ("enable", "Mở khóa", "Enable"),
    ("reset_password", "Cấp lại mật khẩu", "Reset password"),
    ("disabled", "Đã khóa", "Disabled"),
    ("one_time_password", "Mật khẩu dùng một lần (chỉ hiển thị lần này)", "One-time password (shown only now)"),
    ("token_secret", "Mã bí mật (chỉ hiển thị lần này, hãy lưu lại)", "Secret (shown only now; keep it)"),
    ("revoke", "Thu hồi", "Revoke"),
    ("revoked", "Đã thu hồi", "Revoked"),
    ("expires", "Hết hạn", "Expires"),
    ("last_used", "Dùng lần cuối", "Last used"),
    ("valid_days", "Số ngày hiệu lực", "Valid for (days)"),
    ("when", "Thời điểm", "When"),
    ("actor", "Người thực hiện", "Who"),
    ("action", "Thao tác", "Action"),
    ("entity", "Đối tượng", "Record"),
    ("chain_ok", "Chuỗi nhật ký toàn vẹn", "The audit chain is intact"),
    ("chain_head", "Đầu chuỗi (số bản ghi:mã băm), hãy ghi lại và gửi kèm báo cáo định kỳ", "Head of the chain (count:hash), write it down and send it with the periodic report"),
    ("chain_checkpoint", "Điểm neo ngoài cơ sở dữ liệu", "Checkpoint outside the database"),
    ("chain_no_checkpoint", "Chưa có điểm neo", "No checkpoint yet"),
    ("chain_broken", "CHUỖI NHẬT KÝ BỊ SỬA ĐỔI tại bản ghi", "THE AUDIT CHAIN IS BROKEN at record"),
    ("records", "bản ghi", "records"),
    ("not_found", "Không tìm thấy trang hoặc bản ghi này.", "This page or record was not found."),
    ("forbidden", "Bạn không có quyền thực hiện thao tác này.", "You may not do this."),
    ("error", "Đã có lỗi", "Something went wrong"),
    ("back", "Quay lại", "Back"),
    ("fix_errors", "Vui lòng sửa các lỗi sau:", "Please fix the following:"),
    ("signed_in_as", "Đăng nhập với", "Signed in as"),
    ("skip", "Bỏ qua đến nội dung chính", "Skip to main content"),
    ("second_factor", "Xác thực hai lớp", "Two-factor authentication"),
    ("totp_code", "Mã xác thực 6 chữ số", "6-digit code"),
    ("totp_prompt", "Nhập mã đang hiển thị trong ứng dụng xác thực trên điện thoại của bạn.", "Enter the code your authenticator app shows now."),
    ("totp_setup_hint", "Quét mã QR bằng ứng dụng xác thực (Google Authenticator, Microsoft Authenticator, FreeOTP…) hoặc nhập khóa bí mật, rồi nhập mã 6 chữ số để xác nhận.", "Scan the QR code with an authenticator app (Google Authenticator, Microsoft Authenticator, FreeOTP…) or type the secret key, then enter the 6-digit code to confirm."),
    ("totp_required", "Vai trò của bạn bắt buộc xác thực hai lớp. Hãy thiết lập trước khi tiếp tục.", "Your role requires two-factor authentication. Set it up before you go on."),
    ("totp_on", "Xác thực hai lớp đang bật.", "Two-factor authentication is on."),
    ("totp_enable", "Bật xác thực hai lớp", "Turn on two-factor authentication"),
    ("totp_disable", "Tắt xác thực hai lớp", "Turn off two-factor authentication"),
    ("secret_key", "Khóa bí mật", "Secret key"),
    ("verify", "Xác nhận", "Verify"),
    ("account", "Tài khoản của tôi", "My account"),
    ("new_org", "Thêm đơn vị", "New organisation"),
    ("new_asset", "Thêm tài sản", "New asset"),
    ("contact_title", "Chức vụ người liên hệ", "Contact's title"),
    ("contact_phone", "Điện thoại người liên hệ", "Contact's phone"),
    ("duty_phone", "Điện thoại trực 24/7", "24/7 phone"),
    ("duty_email", "Thư điện tử trực 24/7", "24/7 e-mail"),
    ("os_version", "Phiên bản HĐH", "OS version"),
    ("os_build", "Bản dựng HĐH (Windows: kèm UBR)", "OS build (Windows: with UBR)"),
    ("hardware", "Thiết bị phần cứng", "Hardware"),
    ("detected", "Phát hiện", "Detected"),
    ("evidence_inventory_fact", "Thông tin tài sản khớp", "Inventory fact"),
    ("evidence_record", "Bản ghi lỗ hổng", "Record"),
    ("evidence_rule", "Quy tắc", "Rule"),
    ("evidence_source", "Nguồn", "Source"),
    ("evidence_hotfix_excluded", "Bản vá loại trừ", "Excluded by hotfix"),
    ("source_cve5-cna", "Hồ sơ CVE (đơn vị cấp mã CNA)", "CVE record (CNA)"),
    ("source_cve5-adp", "Hồ sơ CVE (bổ sung ADP)", "CVE record (ADP)"),
    ("source_csaf", "Thông báo CSAF của hãng", "Vendor CSAF advisory"),
    ("source_nvd-cpe", "Cấu hình CPE của NVD", "NVD CPE configuration"),
    ("source_msrc", "Hướng dẫn cập nhật bảo mật của Microsoft", "Microsoft Security Update Guide"),
    ("timeline_change", "Thay đổi", "Change"),
    ("timeline_note", "Ghi chú", "Note"),
    ("timeline_action", "Hành động", "Action"),
    ("timeline_decision", "Quyết định", "Decision"),
    ("timeline_task", "Nhiệm vụ", "Task"),
    ("timeline_evidence", "Chứng cứ", "Evidence"),
    ("timeline_handover", "Giao ca trực", "Hand-over"),
    ("entity_incident", "Sự cố", "Incident"),
    ("entity_user", "Tài khoản", "Account"),
    ("entity_org", "Đơn vị", "Organisation"),
    ("entity_system", "Hệ thống thông tin", "Information system"),
    ("entity_asset", "Tài sản", "Asset"),
    ("entity_warning", "Cảnh báo lỗ hổng", "Vulnerability warning"),
    ("entity_suppression", "Quy tắc bỏ qua cảnh báo", "Suppression"),
    ("entity_sensor", "Cảm biến", "Sensor"),
    ("entity_indicator_feed", "Nguồn chỉ dấu", "Indicator feed"),
    ("entity_directive", "Văn bản chỉ đạo", "Directive"),
    ("entity_contact", "Đầu mối liên hệ", "Contact"),
    ("entity_botnet_list", "Danh sách IP botnet", "Botnet list"),
    ("entity_audit_log", "Nhật ký", "Audit log"),
    ("entity_api_token", "Khóa API", "API token"),
    ("entity_alert", "Cảnh báo giám sát", "Alert"),
    ("entity_vuln_match_form", "Dạng rút gọn bản ghi lỗ hổng", "Compact vulnerability record"),
    ("entity_vuln_feed", "Nguồn dữ liệu lỗ hổng", "Vulnerability feed"),
    ("entity_setting:national_bodies", "Cơ quan quốc gia", "National bodies"),
    ("entity_rule_switch", "Bật, tắt luật phát hiện", "Rule switch"),
    ("entity_roster", "Lịch trực", "Duty roster"),
    ("entity_kept_events", "Sự kiện lưu trữ", "Kept events"),
    ("entity_isp_prefixes", "Dải địa chỉ nhà mạng", "Operator prefixes"),
    ("entity_finding", "Phát hiện lỗ hổng", "Finding"),
    ("entity_directive_task", "Nhiệm vụ chỉ đạo", "Directive task"),
    ("entity_alert_period", "Thời hạn tiếp nhận cảnh báo", "Alert acknowledgement periods"),
    ("entity_duty_period", "Đợt trực", "Duty period"),
    ("audit_create", "Tạo mới", "Create"),
    ("audit_update", "Cập nhật", "Update"),
    ("audit_delete", "Xóa", "Delete"),
    ("audit_login", "Đăng nhập", "Sign-in"),
    ("audit_login_failed", "Đăng nhập không thành công", "Failed sign-in"),
    ("audit_login_locked", "Tạm khóa do đăng nhập sai", "Locked after failures"),
    ("audit_logout", "Đăng xuất", "Sign-out"),
    ("audit_enable_totp", "Bật xác thực hai lớp", "Second factor on"),
    ("audit_disable_totp", "Tắt xác thực hai lớp", "Second factor off"),
    ("audit_change_password", "Đổi mật khẩu", "Password changed"),
    ("audit_change_role", "Đổi vai trò", "Role changed"),
    ("audit_add_evidence", "Thêm chứng cứ", "Evidence added"),
    ("audit_add_observable", "Thêm dấu hiệu", "Observable added"),
    ("audit_add_task", "Giao nhiệm vụ", "Task added"),
    ("audit_complete_task", "Hoàn thành nhiệm vụ", "Task done"),
    ("audit_attach", "Đính kèm tệp", "File attached"),
    ("audit_mark_cleaned", "Báo đã xử lý địa chỉ", "Address cleaned"),
    ("audit_report", "Báo cáo", "Report"),
    ("audit_save", "Lưu", "Save"),
    ("audit_task_progress", "Báo cáo tiến độ nhiệm vụ", "Task progress"),
    ("audit_reset_password", "Đặt lại mật khẩu", "Password reset"),
    ("audit_set_role", "Đổi vai trò", "Role changed"),
    ("audit_disable", "Khóa tài khoản", "Account disabled"),
    ("audit_enable", "Mở khóa tài khoản", "Account enabled"),
    ("audit_revoke", "Thu hồi", "Revoke"),
    ("audit_import", "Nhập dữ liệu", "Import"),
    ("audit_transition", "Chuyển trạng thái", "State change"),
    ("audit_assign", "Phân công", "Assign"),
    ("audit_rechain", "Khóa lại chuỗi nhật ký", "Log re-chained"),
    ("audit_rotate_key", "Đổi khóa nhật ký", "Log key rotated"),
    ("audit_upload", "Tải lên", "Upload"),
    ("audit_download", "Tải xuống", "Download"),
    ("audit_publish", "Ban hành", "Publish"),
    ("audit_match", "Đối chiếu lỗ hổng", "Vulnerability match"),
    ("audit_remind", "Nhắc việc", "Reminder"),
    ("audit_generate", "Lập lịch trực", "Roster generated"),
    ("audit_add_shift", "Thêm ca trực", "Shift added"),
    ("audit_remove_shift", "Bỏ ca trực", "Shift removed"),
    ("audit_replace_person", "Đổi người trực", "Person replaced"),
    ("audit_swap_shifts", "Đổi ca trực", "Shifts swapped"),
    ("audit_handover_note", "Ghi chú bàn giao", "Hand-over note"),
    ("audit_edit_shift", "Sửa ca trực", "Shift edited"),
    ("match_gaps", "Không đối chiếu được lỗ hổng", "Cannot be matched against vulnerabilities"),
    ("unevaluable_intro", "Các tài sản có sản phẩm được bản ghi lỗ hổng nhắc đến nhưng không so sánh được phiên bản; cần kiểm tra thủ công.", "Assets a record names whose version cannot be compared; check them by hand."),
    ("installed", "Đang cài đặt", "Installed"),
    ("statement", "Nội dung bản ghi", "Statement"),
    ("page_not_found", "Không tìm thấy trang", "Page not found"),
    ("hardware_hint", "nhà sản xuất|mẫu thiết bị|CPE phần cứng (nếu có), ví dụ Fortinet|FortiGate 100F", "maker|model|hardware CPE (optional), e.g. Fortinet|FortiGate 100F"),
    ("blocks_hint", "Mỗi dòng một dải địa chỉ, ví dụ 113.160.10.0/28", "One block per line, e.g. 113.160.10.0/28"),
    ("list_hint", "Cách nhau bởi dấu cách hoặc dấu chấm phẩy", "Separated by spaces or semicolons"),
    ("form_refused", "Chưa lưu được: hãy sửa các mục dưới đây rồi gửi lại.", "Not saved: correct the fields below and send the form again."),
    ("back_to_form", "Quay lại biểu mẫu", "Back to the form"),
    ("todo_today", "Việc cần làm hôm nay", "To do today"),
    ("todo_mine", "Việc của đơn vị", "Your organisation's to-do list"),
    ("todo_findings", "Lỗ hổng chưa xử lý", "Open vulnerability findings"),
    ("todo_incidents", "Sự cố đang xử lý", "Open incidents"),
    ("todo_botnet", "Địa chỉ IP nhiễm mã độc chưa xử lý", "Botnet addresses not yet cleaned"),
    ("todo_tasks", "Nhiệm vụ chỉ đạo chưa hoàn thành", "Directive tasks not finished"),
    ("duty_gaps_week", "Khoảng trống lịch trực 7 ngày tới", "Duty gaps in the coming 7 days"),
    ("month", "Tháng", "Month"),
    ("reporting_org", "Đơn vị báo cáo", "Reporting organisation"),
    ("end_report_filed", "Báo cáo kết thúc ứng phó đã gửi", "End-of-response report as filed"),
    ("unreadable_request", "Không đọc được yêu cầu: biểu mẫu thiếu một mục bắt buộc hoặc có giá trị sai kiểu, hoặc đường dẫn không đúng. Hãy quay lại và gửi lại.", "The request could not be read: the form lacks a required field or has a value of the wrong kind, or the address is wrong. Go back and send it again."),
    ("matrix_blank", "Ô trống: nhiệm vụ không giao cho đơn vị đó.", "A blank cell: the task is not given to that organisation."),
    ("software_hint", "Mỗi dòng: nhà cung cấp|sản phẩm|phiên bản|kiểu phiên bản|CPE", "One per line: vendor|product|version|scheme|CPE"),
    ("mon_alerts", "Cảnh báo giám sát", "Monitoring alerts"),
    ("mon_alert", "Cảnh báo", "Alert"),
    ("mon_new_alerts", "Cảnh báo giám sát mới", "New monitoring alerts"),
    ("mon_overdue_alerts", "Cảnh báo quá hạn tiếp nhận", "Alerts overdue for acknowledgement"),
    ("mon_state", "Trạng thái xử lý", "Triage state"),
    ("mon_rule", "Luật phát hiện", "Detection rule"),
    ("mon_host", "Máy", "Host"),
    ("ev_title", "Sự kiện đã lưu", "Kept events"),
    ("ev_from", "Từ thời điểm", "From"),
    ("ev_to", "Đến thời điểm", "To"),
    ("ev_address", "Địa chỉ IP", "Address"),
    ("ev_q", "Trường:giá trị", "Field:value"),
    ("ev_time", "Thời điểm nhận", "Received"),
    ("ev_event", "Sự kiện", "Event"),
    ("ev_search", "Tìm", "Search"),
    ("ev_hint", "Tìm theo thời gian, máy, địa chỉ IP hoặc trường:giá trị (ví dụ EventID:4625, user:admin, domain:example.com, hash:…). Đơn vị chỉ thấy sự kiện của cảm biến mình.", "Search by time, host, address or field:value (e.g. EventID:4625, user:admin, domain:example.com, hash:…). An organisation sees its own sensors' events."),
    ("mon_where", "Đơn vị / hệ thống / tài sản", "Organisation / system / asset"),
    ("mon_count", "Số lần", "Count"),
    ("mon_last_seen", "Lần gần nhất", "Last seen"),
    ("mon_overdue", "Quá hạn tiếp nhận", "Overdue"),
    ("mon_unknown_host", "Máy không có trong danh mục tài sản", "Host not in the registry"),
    ("mon_filter", "Lọc", "Filter"),
    ("mon_reason", "Lý do (bắt buộc khi đánh dấu nhầm hoặc hợp lệ)", "Reason (required for false positive or benign)"),
    ("mon_history", "Lịch sử xử lý", "History"),
    ("mon_events", "Sự kiện", "Events"),
    ("mon_related", "Cảnh báo khác trên cùng máy", "Other alerts on the same host"),
    ("mon_sensors", "Cảm biến giám sát", "Sensors"),
    ("mon_sensor_name", "Tên cảm biến", "Sensor name"),
    ("mon_rejected", "Dòng bị từ chối", "Rejected lines"),
    ("mon_rejected_sample", "Mẫu dòng bị từ chối", "Sample of rejected lines"),
    ("mon_line", "Dòng", "Line"),
    ("mon_dropped", "Gói tin bị bỏ (UDP)", "Dropped datagrams (UDP)"),
    ("mon_last_event", "Sự kiện gần nhất", "Last event"),
    ("mon_never", "Chưa nhận", "Never"),
    ("todo_silent", "Hệ thống giám sát SOC không gửi sự kiện trong 24 giờ", "SOC-monitored systems silent for 24 hours"),
    ("mon_silent_systems", "Hệ thống đăng ký giám sát SOC nhưng không nhận được sự kiện trong 24 giờ", "Systems claiming SOC monitoring with no event for 24 hours"),
    ("mon_no_sensor", "Chưa có cảm biến", "No sensor"),
    ("mon_silent_flag", "Hệ thống đăng ký giám sát bởi SOC nhưng không nhận được sự kiện nào trong 24 giờ qua", "This system claims SOC monitoring but no event arrived in the last 24 hours"),
    ("mon_sensor_count", "Số cảm biến", "Sensors"),
    ("mon_per_minute", "Sự kiện/phút (5 phút gần nhất)", "Events per minute (last 5 minutes)"),
    ("rules_title", "Luật phát hiện", "Detection rules"),
    ("rules_hint", "Bật, tắt luật Sigma theo thư mục hoặc theo từng luật; thay đổi được ghi nhật ký, luật đã tắt không còn được đánh giá, áp dụng cho mọi sự kiện nhận sau khi lưu.", "Switch Sigma rules on or off per folder or per rule; changes are audited, a switched-off rule is no longer evaluated, and they apply to every event received after saving."),
    ("rules_not_loaded", "Máy chủ này không chạy giám sát nên chưa nạp luật nào.", "This server does not run monitoring, so no rules are loaded."),
    ("rules_folder", "Thư mục", "Folder"),
    ("rules_count", "Số luật", "Rules"),
    ("rules_running", "Đang bật", "Running"),
    ("rules_disable", "Tắt", "Switch off"),
    ("rules_enable", "Bật", "Switch on"),
    ("rules_switches", "Các thay đổi đã đặt", "Switches set"),
    ("rules_rule", "Luật", "Rule"),
    ("rules_on", "Bật", "On"),
    ("rules_off", "Tắt", "Off"),
    ("rules_switch_rule", "Bật, tắt một luật", "Switch one rule"),
    ("rules_rule_id", "Mã luật (id)", "Rule id"),
    ("rules_state", "Trạng thái", "State"),
    ("iocf_title", "Nguồn chỉ dấu", "Indicator feeds"),
    ("iocf_hint", "Danh sách chỉ dấu, gói STIX 2.1 và sự kiện MISP được nhập vào đây được đối chiếu với mọi sự kiện giám sát cùng danh sách IP botnet và chỉ dấu của sự cố, cho đến khi hết hạn; sự kiện đã lưu được rà lại ngay sau khi nhập. Nhập lại cùng tên sẽ thay toàn bộ chỉ dấu của nguồn đó.", "Plain lists, STIX 2.1 bundles and MISP events imported here are matched against every monitored event, beside the botnet lists and incident observables, until they expire; kept events are hunted again right after an import. Importing the same name again replaces that feed's indicators."),
    ("iocf_name", "Tên nguồn", "Feed name"),
    ("iocf_format", "Định dạng", "Format"),
    ("iocf_count", "Số chỉ dấu (còn hiệu lực / tổng)", "Indicators (active / all)"),
    ("iocf_expiry", "Hết hạn mặc định", "Default expiry"),
    ("iocf_no_expiry", "Không hết hạn", "Never"),
    ("iocf_imported", "Người nhập, thời điểm", "Imported by, when"),
    ("iocf_delete", "Xóa", "Delete"),
    ("iocf_upload", "Nhập nguồn chỉ dấu", "Import a feed"),
    ("iocf_file", "Tệp chỉ dấu (danh sách, STIX 2.1, MISP)", "Indicator file (plain list, STIX 2.1, MISP)"),
    ("iocf_format_auto", "Tự nhận biết", "Recognise by content"),
    ("iocf_format_plain", "Danh sách (văn bản)", "Plain list"),
    ("iocf_tlp", "Mức TLP (cho chỉ dấu tệp không ghi)", "TLP (for indicators the file does not mark)"),
    ("iocf_expires_days", "Hết hạn sau (ngày, để trống: không hết hạn)", "Expires after (days; empty: never)"),
    ("iocf_import_button", "Nhập", "Import"),
    ("iocf_imported_ok", "Đã nhập nguồn", "Feed imported"),
    ("iocf_indicators", "chỉ dấu", "indicators"),
    ("iocf_replaced", "thay cho", "replacing"),
    ("iocf_deleted", "Đã xóa nguồn", "Feed deleted"),
    ("mon_register_sensor", "Đăng ký cảm biến", "Register a sensor"),
    ("mon_sources", "Địa chỉ gửi syslog", "Syslog source addresses"),
    ("mon_secret_once", "Mã gửi sự kiện của cảm biến (chỉ hiện một lần, chỉ dùng để gửi sự kiện):", "The sensor's ingest token (shown once; it can only send events):"),
    ("mon_upload", "Tải lên tệp sự kiện (Windows EVTX, Suricata EVE)", "Upload an event file (Windows EVTX, Suricata EVE)"),
    ("mon_upload_file", "Tệp sự kiện", "Event file"),
    ("mon_format", "Định dạng", "Format"),
    ("mon_format_auto", "Tự nhận biết", "Recognise by content"),
    ("mon_upload_button", "Tải lên và phân tích", "Upload and evaluate"),
    ("mon_uploaded", "Đã phân tích tệp", "File evaluated"),
    ("mon_accepted", "sự kiện đã nhận", "events accepted"),
    ("mon_unreadable", "bản ghi không đọc được", "records unreadable"),
    ("mon_stopped_at", "Tệp bị cắt hoặc hỏng; các bản ghi trước chỗ hỏng đã được nhận. Dừng đọc tại", "The file is cut or damaged; the records before the damage were taken. Reading stopped at"),
];

/// Looks words up in the caller's language.
#[derive(Debug, Clone, Copy)]
pub struct Tr(pub Lang);

impl Tr {
    pub fn t(&self, key: &str) -> &'static str {
        match WORDS.iter().find(|(k, ..)| *k == key) {
            Some((_, vi, en)) => match self.0 {
                Lang::Vi => vi,
                Lang::En => en,
            },
            None => "?",
        }
    }
    pub fn lang(&self) -> &'static str {
        self.0.code()
    }
    /// The other language's code, for the switch.
    pub fn other(&self) -> &'static str {
        match self.0 {
            Lang::Vi => "en",
            Lang::En => "vi",
        }
    }
    pub fn yes_no<B: std::borrow::Borrow<bool>>(&self, b: B) -> &'static str {
        self.t(if *b.borrow() { "yes" } else { "no" })
    }
    pub fn is_en(&self) -> bool {
        self.0 == Lang::En
    }
    /// An incident state code in the reader's language.
    pub fn incident_state(&self, code: &str) -> &'static str {
        match code.parse::<app::incident::IncidentState>() {
            Ok(s) if self.is_en() => s.label_en(),
            Ok(s) => s.label_vi(),
            Err(_) => "?",
        }
    }
    /// A finding status code in the reader's language.
    pub fn status(&self, code: &str) -> &'static str {
        match code.parse::<domain::FindingStatus>() {
            Ok(s) if self.is_en() => s.label_en(),
            Ok(s) => s.label_vi(),
            Err(_) => "?",
        }
    }

    /// A labelled value (any `text_enum!`) in the reader's language.
    pub fn label<T: domain::Labelled>(&self, v: &T) -> &'static str {
        if self.is_en() {
            v.label_en()
        } else {
            v.label_vi()
        }
    }

    /// A stored code of a labelled kind in the reader's language; a code
    /// that is not one of the kind shows as "?" rather than as English.
    fn code<T: std::str::FromStr + domain::Labelled>(&self, code: &str) -> &'static str {
        code.parse::<T>().map(|v| self.label(&v)).unwrap_or("?")
    }

    /// A vulnerability priority (`immediate`, `out-of-cycle`, …).
    pub fn priority(&self, code: &str) -> &'static str {
        match app::vulnmatch::priority::Decision::parse(code) {
            Some(d) => self.label(&d),
            None => "?",
        }
    }
    pub fn severity(&self, code: &str) -> &'static str {
        self.code::<app::incident::Severity>(code)
    }
    pub fn incident_class(&self, code: &str) -> &'static str {
        self.code::<app::incident::IncidentClass>(code)
    }
    pub fn role(&self, code: &str) -> &'static str {
        self.code::<domain::Role>(code)
    }
    pub fn asset_role(&self, code: &str) -> &'static str {
        self.code::<domain::AssetRole>(code)
    }
    pub fn milestone(&self, code: &str) -> &'static str {
        self.code::<app::incident::classify::Milestone>(code)
    }
    pub fn observable_kind(&self, code: &str) -> &'static str {
        self.code::<app::incident::ObservableKind>(code)
    }
    pub fn org_type(&self, code: &str) -> &'static str {
        self.code::<domain::OrgType>(code)
    }
    pub fn tlp(&self, code: &str) -> &'static str {
        match code.parse::<app::incident::Tlp>() {
            Ok(t) if self.is_en() => t.label_en(),
            Ok(t) => t.label_vi(),
            Err(_) => "?",
        }
    }
    /// An audit action (`create`, `login_failed`, …): its word, or the
    /// action itself when it has none yet.
    pub fn audit_action(&self, action: &str) -> String {
        let key = format!("audit_{action}");
        match self.t(&key) {
            "?" => action.replace('_', " "),
            w => w.to_string(),
        }
    }

    /// What an audit record is about, by its label (`system` → "Hệ thống
    /// thông tin"); an entity without a label is shown as its code.
    pub fn audit_entity(&self, entity: &str) -> String {
        match self.t(&format!("entity_{entity}")) {
            "?" => entity.replace('_', " "),
            w => w.to_string(),
        }
    }

    /// Who did something, as the audit log and timelines name them
    /// (`user:nva`, `token:3:Giám sát`, `system`, `system:matcher`).
    pub fn actor(&self, actor: &str) -> String {
        let en = self.is_en();
        if let Some(u) = actor.strip_prefix("user:") {
            return u.to_string();
        }
        if let Some(rest) = actor.strip_prefix("token:") {
            let name = rest.split_once(':').map(|(_, n)| n).unwrap_or(rest);
            return if en {
                format!("API token «{name}»")
            } else {
                format!("Khóa API «{name}»")
            };
        }
        match (actor, en) {
            ("system", false) => "Hệ thống".into(),
            ("system", true) => "System".into(),
            ("system:matcher", false) => "Hệ thống (đối chiếu tự động)".into(),
            ("system:matcher", true) => "System (automatic matching)".into(),
            _ => actor.to_string(),
        }
    }

    /// A reason of a finding's priority (SSVC), in the reader's language.
    pub fn reason(&self, en: &str) -> String {
        if self.is_en() {
            en.to_string()
        } else {
            app::vulnmatch::priority::reason_vi(en)
        }
    }

    /// A finding's history step: a finding action, or the matcher's `detect`.
    pub fn finding_action(&self, code: &str) -> &'static str {
        match code {
            "detect" => self.t("detected"),
            _ => self.code::<domain::FindingAction>(code),
        }
    }

    /// A label of the evidence a finding keeps (`inventory_fact`, …).
    pub fn evidence_label(&self, key: &str) -> String {
        match self.t(&format!("evidence_{key}")) {
            "?" => key.replace('_', " "),
            w => w.to_string(),
        }
    }

    /// Where evidence came from (`cve5-cna`, `nvd-cpe`, …).
    pub fn evidence_source(&self, code: &str) -> String {
        match self.t(&format!("source_{code}")) {
            "?" => code.to_string(),
            w => w.to_string(),
        }
    }

    /// The kind of an incident timeline entry.
    pub fn timeline_kind(&self, kind: &str) -> String {
        match self.t(&format!("timeline_{kind}")) {
            "?" => kind.to_string(),
            w => w.to_string(),
        }
    }

    /// An incident timeline entry in the reader's language. Entries canhgac
    /// writes itself (state changes, assignments, observables, escalations,
    /// tasks, evidence) are read back from their fixed forms; what people
    /// wrote is shown as they wrote it.
    pub fn timeline_text(&self, kind: &str, text: &str) -> String {
        let en = self.is_en();
        let state = |c: &str| match c.parse::<app::incident::IncidentState>() {
            Ok(s) if en => Some(s.label_en()),
            Ok(s) => Some(s.label_vi()),
            Err(_) => None,
        };
        match kind {
            "change" => {
                if let Some(s) = state(text) {
                    return s.to_string();
                }
                let (moves, reason) = text.split_once(": ").unwrap_or((text, ""));
                if let Some((from, to)) = moves.split_once(" → ") {
                    if let (Some(a), Some(b)) = (state(from), state(to)) {
                        return if reason.is_empty() {
                            format!("{a} → {b}")
                        } else {
                            format!("{a} → {b}: {reason}")
                        };
                    }
                }
                if let Some(who) = text.strip_prefix("assigned: ") {
                    return format!("{} {who}", if en { "Assigned:" } else { "Phân công:" });
                }
                if let Some(k) = text
                    .strip_prefix("observable ")
                    .and_then(|r| r.strip_suffix(" added"))
                {
                    let k = k
                        .parse::<app::incident::ObservableKind>()
                        .map(|k| self.label(&k))
                        .unwrap_or(k);
                    return format!(
                        "{} {k}",
                        if en {
                            "Observable added:"
                        } else {
                            "Thêm dấu hiệu:"
                        }
                    );
                }
                if let Some(rest) = text.strip_prefix("reported to ") {
                    let mut parts = rest.splitn(2, " on ");
                    let to = parts.next().unwrap_or_default();
                    let (on, by) = parts
                        .next()
                        .and_then(|r| r.split_once(" by "))
                        .unwrap_or(("", ""));
                    // The body's abbreviation as the installation named it
                    // on the day (`NationalBodies`), written by the use case.
                    let body = to;
                    return if en {
                        format!("Reported to {body} on {on} by {by}")
                    } else {
                        format!("Đã báo cáo {body} ngày {on}, qua {by}")
                    };
                }
                text.to_string()
            }
            "task" if !en => {
                if let Some(rest) = text.strip_prefix("task #") {
                    if let Some(n) = rest.strip_suffix(" done") {
                        return format!("Nhiệm vụ #{n} đã hoàn thành");
                    }
                    return format!("Nhiệm vụ #{rest}");
                }
                text.to_string()
            }
            "evidence" if !en => match text.strip_prefix("evidence #") {
                Some(rest) => format!("Chứng cứ #{}", rest.replace(" bytes,", " byte,")),
                None => text.to_string(),
            },
            _ => text.to_string(),
        }
    }

    /// Which rule set a finding's deadline, in the reader's language.
    pub fn deadline_by(&self, code: &str) -> &'static str {
        match app::vulnmatch::priority::DeadlineBy::from_code(code) {
            Some(b) if self.is_en() => b.label_en(),
            Some(b) => b.label_vi(),
            None => "",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_is_unique_and_translated() {
        let mut keys = std::collections::HashSet::new();
        for (k, vi, en) in WORDS {
            assert!(keys.insert(*k), "duplicate key {k}");
            assert!(!vi.is_empty() && !en.is_empty(), "{k}");
        }
        assert_eq!(Tr(Lang::En).t("systems"), "Information systems");
        assert_eq!(Tr(Lang::Vi).t("no-such-key"), "?");
    }

    /// Every `tr.t("…")` in the templates has words in both languages.
    #[test]
    fn templates_use_only_known_keys() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        let mut missing = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            for part in text.split("tr.t(\"").skip(1) {
                let key = part.split('"').next().unwrap_or_default();
                if !WORDS.iter().any(|(k, ..)| *k == key) {
                    missing.push(format!("{}: {key}", path.display()));
                }
            }
        }
        assert!(missing.is_empty(), "{missing:?}");
    }
}
