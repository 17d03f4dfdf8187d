//! A form's errors in the reader's language: each field named by its label
//! (as the form shows it), each reason translated. The use cases write their
//! reasons in English for the API and the command line; the console reads
//! them through the patterns below, and shows an unknown reason as it is.

use super::Tr;
use domain::FieldErrors;

/// Fields whose label is not already a console word: (code, Vietnamese, English).
const FIELDS: &[(&str, &str, &str)] = &[
    ("from", "Từ thời điểm", "From"),
    ("to", "Đến thời điểm", "To"),
    ("address", "Địa chỉ IP", "Address"),
    ("q", "Trường:giá trị", "Field:value"),
    ("approved", "Đã phê duyệt", "Approved"),
    ("asn", "Số hiệu mạng (ASN)", "AS number"),
    ("body", "Nội dung", "Text"),
    ("cause", "Nguyên nhân", "Cause"),
    ("class", "Loại sự cố", "Class"),
    ("cves", "Mã CVE", "CVEs"),
    ("damage", "Thiệt hại, ảnh hưởng", "Damage"),
    ("description", "Mô tả", "Description"),
    ("format", "Định dạng", "Format"),
    ("handover", "Giờ giao ca", "Hand-over time"),
    ("ip", "Địa chỉ IP", "IP address"),
    ("ips", "Địa chỉ IP", "IP addresses"),
    ("lessons", "Bài học kinh nghiệm", "Lessons learned"),
    ("measures", "Biện pháp", "Measures"),
    ("office_hours", "Giờ hành chính", "Office hours"),
    ("org_id", "Đơn vị", "Organisation"),
    ("owner_org_id", "Chủ quản", "Owner"),
    ("parent_id", "Đơn vị cấp trên", "Parent organisation"),
    ("people", "Người trực", "People on duty"),
    ("shift_people", "Người trực", "People on duty"),
    ("index", "Ca trực", "Shift"),
    ("recommendations", "Đề xuất, kiến nghị", "Recommendations"),
    (
        "reporter_email",
        "Thư điện tử người báo cáo",
        "Reporter's e-mail",
    ),
    ("reporter_name", "Người báo cáo", "Reporter"),
    (
        "reporter_phone",
        "Điện thoại người báo cáo",
        "Reporter's phone",
    ),
    ("result", "Kết quả xử lý", "Result"),
    ("system_id", "Hệ thống", "System"),
    ("text", "Nội dung", "Text"),
    ("tlp", "TLP", "TLP"),
    ("approval", "Quyết định phê duyệt", "Approval decision"),
    ("date", "Ngày", "Date"),
    ("expires_at", "Ngày hết hạn", "Expiry"),
    ("valid_days", "Số ngày hiệu lực", "Valid for (days)"),
    (
        "public_services",
        "Dịch vụ công bị ảnh hưởng",
        "Public services affected",
    ),
    ("observables", "Dấu hiệu", "Observables"),
    ("value", "Giá trị", "Value"),
];

/// English reasons and their Vietnamese; `{}` stands for any text, carried
/// over in order.
const REASONS: &[(&str, &str)] = &[
    (
        "'{}' is not a time (2026-01-31, 2026-01-31T08:00 or RFC 3339)",
        "'{}' không phải là thời điểm (ví dụ 2026-01-31, 2026-01-31T08:00 hoặc 31/01/2026)",
    ),
    (
        "'{}' is not field:value (e.g. EventID:4625, user:admin)",
        "'{}' không có dạng trường:giá trị (ví dụ EventID:4625, user:admin)",
    ),
    (
        "the detection time is in the future",
        "thời điểm phát hiện ở tương lai",
    ),
    (
        "the approval date is in the future",
        "ngày phê duyệt ở tương lai",
    ),
    (
        "the assessment date is in the future",
        "ngày kiểm tra đánh giá ở tương lai",
    ),
    ("the description must not be empty", "chưa có mô tả"),
    (
        "give the date and time of detection",
        "nhập ngày giờ phát hiện",
    ),
    (
        "'{}' is not a date and time such as {}",
        "'{}' không phải ngày giờ (ví dụ {})",
    ),
    ("'{}' is not a date and time", "'{}' không phải ngày giờ"),
    (
        "'{}' is not a date (dd/mm/yyyy or yyyy-mm-dd)",
        "'{}' không phải ngày (dd/mm/yyyy)",
    ),
    (
        "'{}' is not a date (YYYY-MM-DD or dd/mm/yyyy)",
        "'{}' không phải ngày (dd/mm/yyyy)",
    ),
    (
        "'{}' is not a month (YYYY-MM)",
        "'{}' không phải tháng (mm/yyyy)",
    ),
    (
        "'{}' is not yes/no (có/không, 1/0)",
        "'{}' không phải có/không",
    ),
    ("'{}' is not an IP address", "'{}' không phải địa chỉ IP"),
    (
        "'{}' is not an IPv4 or IPv6 address block",
        "'{}' không phải dải địa chỉ IPv4 hoặc IPv6",
    ),
    (
        "'{}' is not an IPv4 or IPv6 address",
        "'{}' không phải địa chỉ IPv4 hoặc IPv6",
    ),
    (
        "'{}' is not an AS number (e.g. AS7552)",
        "'{}' không phải số hiệu mạng (ví dụ AS7552)",
    ),
    (
        "'{}' is not an e-mail address",
        "'{}' không phải địa chỉ thư điện tử",
    ),
    (
        "'{}' is not a telephone number",
        "'{}' không phải số điện thoại",
    ),
    (
        "'{}' is not a security level (1–5)",
        "'{}' không phải cấp độ (1–5)",
    ),
    ("'{}' is not a domain name", "'{}' không phải tên miền"),
    (
        "'{}' is not a system code {}",
        "'{}' không phải mã hệ thống (1–64 chữ, số, '.', '-', '_')",
    ),
    (
        "'{}' is not a KB number {}",
        "'{}' không phải số KB (ví dụ KB5034441)",
    ),
    (
        "'{}' is not a CPE 2.3 name {}",
        "'{}' không phải tên CPE 2.3",
    ),
    ("'{}' is not an organisation", "'{}' không phải đơn vị"),
    ("'{}' is not #organisation-id", "'{}' không phải #mã đơn vị"),
    ("'{}' is not one of: {}", "'{}' không thuộc các giá trị: {}"),
    ("'{}' is not a port", "'{}' không phải cổng"),
    (
        "'{}' is not a SHA-256 digest (64 hex digits)",
        "'{}' không phải mã SHA-256 (64 chữ số hệ 16)",
    ),
    ("'{}' is not a valid {}", "'{}' không phải {} hợp lệ"),
    ("is required", "bắt buộc"),
    (
        "required, up to 500 characters",
        "bắt buộc, tối đa 500 ký tự",
    ),
    ("is longer than {} characters", "dài quá {} ký tự"),
    ("must be 1–300 characters", "từ 1 đến 300 ký tự"),
    ("up to 5000 characters", "tối đa 5000 ký tự"),
    ("outside the supported years", "ngoài khoảng năm hỗ trợ"),
    ("no organisation #{}", "không có đơn vị #{}"),
    ("no such organisation", "không có đơn vị này"),
    ("organisation {} does not exist", "không có đơn vị {}"),
    ("no system #{}", "không có hệ thống #{}"),
    ("no account '{}'", "không có tài khoản '{}'"),
    (
        "an organisation cannot be its own parent",
        "một đơn vị không thể là cấp trên của chính nó",
    ),
    (
        "an approved level needs the approval decision (number, date, body)",
        "cấp độ được phê duyệt cần quyết định phê duyệt (số, ngày, cơ quan)",
    ),
    (
        "you may only register systems of your own organisation",
        "chỉ được đăng ký hệ thống của đơn vị mình",
    ),
    (
        "you may not edit this system's assets",
        "không được sửa tài sản của hệ thống này",
    ),
    (
        "you cannot change your own role",
        "không thể tự đổi vai trò của mình",
    ),
    (
        "you cannot disable your own account",
        "không thể tự khóa tài khoản của mình",
    ),
    (
        "give the token a name of up to 100 characters",
        "đặt tên cho mã truy cập (tối đa 100 ký tự)",
    ),
    (
        "a token lives 1 to 730 days",
        "mã truy cập có hiệu lực từ 1 đến 730 ngày",
    ),
    (
        "the expiry must be after today",
        "ngày hết hạn phải sau hôm nay",
    ),
    (
        "3–64 letters, digits, '.', '_' or '-'",
        "3–64 chữ cái, chữ số, '.', '_' hoặc '-'",
    ),
    ("choose a system", "chọn một hệ thống"),
    (
        "choose the organisations that keep duty",
        "chọn các đơn vị trực",
    ),
    (
        "write the hand-over time as HH:MM",
        "viết giờ giao ca dạng HH:MM",
    ),
    (
        "write the entry (up to 20 000 characters)",
        "viết nội dung (tối đa 20.000 ký tự)",
    ),
    (
        "say what must be done (up to 500 characters)",
        "ghi việc cần làm (tối đa 500 ký tự)",
    ),
    (
        "the name of the body or person (up to 300 characters)",
        "tên cơ quan hoặc người (tối đa 300 ký tự)",
    ),
    (
        "give the warning's number (up to 100 characters)",
        "nhập số văn bản cảnh báo (tối đa 100 ký tự)",
    ),
    (
        "give the warning's title (up to 500 characters)",
        "nhập tiêu đề cảnh báo (tối đa 500 ký tự)",
    ),
    ("name at least one CVE", "nêu ít nhất một mã CVE"),
    (
        "name the list's source (up to 100 characters)",
        "ghi nguồn của danh sách (tối đa 100 ký tự)",
    ),
    (
        "say what was done to clean the host (up to 2000 characters)",
        "ghi việc đã làm để gỡ mã độc (tối đa 2000 ký tự)",
    ),
    (
        "a directive has at least one task",
        "văn bản chỉ đạo cần ít nhất một nhiệm vụ",
    ),
    (
        "a task needs at least one recipient organisation",
        "nhiệm vụ cần ít nhất một đơn vị nhận",
    ),
    ("describe the task", "mô tả nhiệm vụ"),
    (
        "say why the task does not apply",
        "nêu lý do nhiệm vụ không áp dụng",
    ),
    (
        "write: recipients | deadline | text",
        "viết: nhóm nhận | hạn | nội dung",
    ),
    (
        "in_progress, done or not_applicable",
        "đang thực hiện, đã hoàn thành hoặc không áp dụng",
    ),
    (
        "note, action or decision",
        "ghi chú, hành động hoặc quyết định",
    ),
    ("one of {}", "một trong các mã {}"),
    (
        "an abbreviation of 1 to 50 characters",
        "tên viết tắt từ 1 đến 50 ký tự",
    ),
    (
        "a code of 1 to 30 lowercase letters, digits or '_'",
        "mã từ 1 đến 30 ký tự: chữ thường, chữ số hoặc '_'",
    ),
    ("'{}' is given twice", "'{}' bị trùng"),
    (
        "write code | short name | full name",
        "viết: mã | tên viết tắt | tên đầy đủ",
    ),
    (
        "1 to {} bodies that receive incident reports",
        "từ 1 đến {} cơ quan tiếp nhận báo cáo sự cố",
    ),
    ("docx or xlsx", "DOCX hoặc XLSX"),
    ("unknown kind", "loại dữ liệu không có"),
    ("not a TOTP secret", "không phải khóa TOTP"),
    ("{}: the file is empty", "{}: tệp rỗng"),
    ("could not read the file: {}", "không đọc được tệp: {}"),
    (
        "line {}: write 'name, phone'",
        "dòng {}: viết 'họ tên, điện thoại'",
    ),
    ("line {}: {}", "dòng {}: {}"),
    (
        "{} ends at {} which is not after its start {} (Vietnam time)",
        "{} kết thúc lúc {}, không sau lúc bắt đầu {} (giờ Việt Nam)",
    ),
    (
        "the roster changed since the page was opened; open it again",
        "lịch trực đã thay đổi sau khi trang được mở; hãy mở lại trang",
    ),
    (
        "{} ({}) would be on two overlapping shifts: {} – {} and {} – {}",
        "{} ({}) sẽ trực hai ca trùng giờ: {} – {} và {} – {}",
    ),
    (
        "shift index {} does not exist; the roster has {} shifts",
        "không có ca số {}; lịch trực có {} ca",
    ),
    (
        "the shift from {} to {} has nobody on duty",
        "ca từ {} đến {} không có ai trực",
    ),
    (
        "{} ({}) is listed twice in the shift from {} to {}",
        "{} ({}) có tên hai lần trong ca từ {} đến {}",
    ),
    (
        "rotation shift_hours is {}; it must be between 1 and 168",
        "độ dài ca là {} giờ; phải từ 1 đến 168",
    ),
];

/// Matches `text` against `pattern`, returning what each `{}` stood for.
fn captures<'a>(pattern: &str, text: &'a str) -> Option<Vec<&'a str>> {
    let parts: Vec<&str> = pattern.split("{}").collect();
    let mut rest = text.strip_prefix(parts[0])?;
    let mut caps = Vec::new();
    for (i, lit) in parts.iter().enumerate().skip(1) {
        let last = i == parts.len() - 1;
        let at = if last {
            if !rest.ends_with(lit) {
                return None;
            }
            rest.len() - lit.len()
        } else if lit.is_empty() {
            // Two placeholders side by side: the first takes nothing.
            0
        } else {
            rest.find(lit)?
        };
        caps.push(&rest[..at]);
        rest = &rest[at + lit.len()..];
    }
    (parts.len() > 1 || rest.is_empty()).then_some(caps)
}

fn fill(template: &str, caps: &[&str]) -> String {
    let mut out = String::new();
    let mut it = caps.iter();
    for (i, part) in template.split("{}").enumerate() {
        if i > 0 {
            out.push_str(it.next().copied().unwrap_or_default());
        }
        out.push_str(part);
    }
    out
}

/// One reason in the reader's language; an unknown one as it is.
pub fn reason(tr: Tr, en: &str) -> String {
    if tr.is_en() {
        return en.to_string();
    }
    REASONS
        .iter()
        .find_map(|(pat, vi)| {
            captures(pat, en).map(|c| {
                // A part may itself be a reason ("line 3: …").
                let parts: Vec<String> = c.iter().map(|p| reason(tr, p)).collect();
                fill(vi, &parts.iter().map(String::as_str).collect::<Vec<_>>())
            })
        })
        .unwrap_or_else(|| en.to_string())
}

/// A field's label: `tasks[2].text` is the text of task 3; `approval.date`
/// the approval's date.
pub fn label(tr: Tr, field: &str) -> String {
    // "tasks line 2": a line of a many-line field.
    if let Some((code, n)) = field.split_once(" line ") {
        let line = if tr.is_en() { "line" } else { "dòng" };
        return format!("{}, {line} {n}", label(tr, code));
    }
    let (base, index) = match field.split_once('[') {
        Some((b, rest)) => (
            b,
            rest.split(']')
                .next()
                .and_then(|n| n.parse::<usize>().ok())
                .map(|n| n + 1),
        ),
        None => (field, None),
    };
    let leaf = field.rsplit('.').next().unwrap_or(field);
    let word = |code: &str| -> Option<String> {
        match tr.t(code) {
            "?" => FIELDS
                .iter()
                .find(|(c, ..)| *c == code)
                .map(|(_, vi, en)| if tr.is_en() { *en } else { *vi }.to_string()),
            w => Some(w.to_string()),
        }
    };
    let name = word(field)
        .or_else(|| word(&field.replace('.', "_")))
        .or_else(|| {
            word(base).map(|b| match index {
                Some(n) => format!("{b} {n}"),
                None => b,
            })
        })
        .or_else(|| word(leaf))
        .unwrap_or_else(|| field.to_string());
    name
}

impl Tr {
    /// A form field's label, for a form's list of errors.
    pub fn field(&self, code: &str) -> String {
        label(*self, code)
    }
    /// A refusal's reason in the reader's language.
    pub fn why(&self, en: &str) -> String {
        reason(*self, en)
    }
}

/// Every error of a form, one per line: "Label: reason".
pub fn describe(tr: Tr, errs: &FieldErrors) -> Vec<String> {
    errs.0
        .iter()
        .map(|e| format!("{}: {}", label(tr, &e.field), reason(tr, &e.reason)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::Lang;

    #[test]
    fn names_the_field_by_its_label_and_says_why_in_vietnamese() {
        let vi = Tr(Lang::Vi);
        let mut e = FieldErrors::default();
        e.push("detected_at", "the detection time is in the future");
        e.push("starts_at", "'' is not a date and time");
        e.push("approval.date", "the approval date is in the future");
        e.push("tasks[1].text", "describe the task");
        e.push("tasks line 2", "write: recipients | deadline | text");
        let lines = describe(vi, &e);
        assert_eq!(
            lines[4],
            "Nhiệm vụ, dòng 2: viết: nhóm nhận | hạn | nội dung"
        );
        assert_eq!(
            lines[0],
            "Thời điểm phát hiện: thời điểm phát hiện ở tương lai"
        );
        assert!(
            lines[1].ends_with(": '' không phải ngày giờ"),
            "{}",
            lines[1]
        );
        assert!(!lines[1].starts_with("starts_at"), "{}", lines[1]);
        assert!(
            lines[2].ends_with("ngày phê duyệt ở tương lai"),
            "{}",
            lines[2]
        );
        assert!(lines[3].ends_with("mô tả nhiệm vụ"), "{}", lines[3]);
        let en = describe(Tr(Lang::En), &e);
        assert_eq!(en[0], "Detected: the detection time is in the future");
    }

    #[test]
    fn patterns_carry_their_parts_over() {
        let vi = Tr(Lang::Vi);
        assert_eq!(
            reason(vi, "'x' is not an IP address"),
            "'x' không phải địa chỉ IP"
        );
        assert_eq!(
            reason(vi, "line 3: 'a' is not a telephone number"),
            "dòng 3: 'a' không phải số điện thoại"
        );
        assert_eq!(reason(vi, "something new"), "something new");
        // The Vietnamese may leave out a part (a long example), never add one.
        for (pat, vi_text) in REASONS {
            assert!(
                vi_text.matches("{}").count() <= pat.matches("{}").count(),
                "{pat}"
            );
        }
    }
}
