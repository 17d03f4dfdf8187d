//! The information systems of the province, their security levels, their
//! 4-layer protection status and their assets.

use crate::assets::{self, Exchange, Hotfix, Office, Recipe, Site, LOG4J_PATCHED};
use crate::ipspace::{AddressPlan, Isp};
use crate::orgs::OrgInfo;
use crate::DemoSystem;
use domain::system::SystemCode;
use domain::{Approval, FunctionType, InfoSystemInput, InfoType, Protection, SecurityLevel};
use rand::Rng;
use std::collections::BTreeMap;

/// Where a system runs.
#[derive(Debug, Clone, Copy)]
enum Host {
    /// In the provincial data centre, operated by its staff.
    DataCentre,
    /// In the owner's own server room, on the owner's address block.
    Own,
    /// On an operator's hosting service.
    Hosted(Isp),
}

#[derive(Debug, Clone, Copy)]
enum Assessed {
    WithinYear,
    MoreThanYearAgo,
    Never,
}

/// Which layers of the 4-layer model a level 3+ system lacks. Fixed in the
/// catalogue rather than drawn from the seed, so that every generated
/// province gives the dashboards something to show.
#[derive(Debug, Clone, Copy)]
struct Gaps {
    no_onsite: bool,
    no_soc: bool,
    assessed: Assessed,
    no_ncsc: bool,
}

const COMPLETE: Gaps = Gaps {
    no_onsite: false,
    no_soc: false,
    assessed: Assessed::WithinYear,
    no_ncsc: false,
};

struct Spec {
    owner: &'static str,
    name: &'static str,
    /// Hostname stem after the owner's slug.
    tag: &'static str,
    level: u8,
    function: FunctionType,
    info: &'static [InfoType],
    /// Typical number of people whose data it holds; the seed varies it.
    subjects: Option<u64>,
    internet: bool,
    host: Host,
    domains: &'static [&'static str],
    assets: &'static [Recipe],
    gaps: Gaps,
    /// The level is proposed but not yet approved.
    pending: bool,
    note: Option<&'static str>,
}

use FunctionType::{IndustrialControl, Infrastructure, Internal, Other, PublicService};
use Host::{DataCentre, Hosted, Own};
use InfoType::{Personal, Private, Public};
use Recipe::*;

const PORTAL: Spec = Spec {
    owner: "",
    name: "",
    tag: "cong",
    level: 1,
    function: PublicService,
    info: &[Public],
    subjects: None,
    internet: true,
    host: DataCentre,
    domains: &[],
    assets: &[Nginx, Mysql],
    gaps: COMPLETE,
    pending: false,
    note: None,
};

const PATCHED: &[&str] = LOG4J_PATCHED;

const SPECS: &[Spec] = &[
    // Provincial shared platforms in the data centre.
    Spec {
        owner: "skhcn",
        name: "Trục liên thông văn bản và Nền tảng tích hợp, chia sẻ dữ liệu tỉnh Sơn Hà (LGSP)",
        tag: "lgsp",
        level: 4,
        function: Infrastructure,
        info: &[Public, Private],
        domains: &["lgsp.sonha.gov.vn"],
        assets: &[Nginx, JavaApp(PATCHED), JavaApp(PATCHED), Postgres],
        note: Some("Kết nối Nền tảng tích hợp, chia sẻ dữ liệu quốc gia (NDXP)"),
        ..PORTAL
    },
    Spec {
        owner: "ttdl",
        name: "Hệ thống hạ tầng Trung tâm Dữ liệu tỉnh Sơn Hà",
        tag: "hatang",
        level: 4,
        function: Infrastructure,
        info: &[Private],
        assets: &[
            BigIp {
                versions: &["17.1.0.3"],
                modules: &["LTM", "ASM"],
                hotfix: Hotfix::Installed,
            },
            BigIp {
                versions: &["17.1.0.3"],
                modules: &["LTM", "ASM"],
                hotfix: Hotfix::Maybe,
            },
            FortiGate(&["7.2.6", "7.2.8", "7.4.4"]),
            NetScaler("13.1-48.47"),
            Esxi,
            Switch,
        ],
        note: Some("Cặp BIG-IP hoạt động dự phòng nóng (HA) trước các cổng thông tin dùng chung"),
        ..PORTAL
    },
    Spec {
        owner: "skhcn",
        name: "Hệ thống thư điện tử công vụ tỉnh Sơn Hà",
        tag: "mail",
        level: 3,
        function: Internal,
        info: &[Private, Personal],
        subjects: Some(9_500),
        domains: &["mail.sonha.gov.vn"],
        assets: &[
            Exchange(Exchange::E2019Cu11),
            Exchange(Exchange::E2019Cu11),
            Workstations(1, Office::Mixed),
        ],
        ..PORTAL
    },
    Spec {
        owner: "skhcn",
        name: "Cổng thông tin điện tử Sở Khoa học và Công nghệ",
        level: 2,
        domains: &["skhcn.sonha.gov.vn"],
        ..PORTAL
    },
    Spec {
        owner: "skhcn",
        name: "Hệ thống quản lý tri thức và tài liệu kỹ thuật",
        tag: "wiki",
        level: 1,
        function: Internal,
        info: &[Private],
        internet: false,
        host: Own,
        assets: &[Confluence, Postgres],
        note: Some("Chỉ cho phép truy cập qua VPN của Sở"),
        ..PORTAL
    },
    Spec {
        owner: "vpubnd",
        name: "Cổng thông tin điện tử tỉnh Sơn Hà",
        level: 3,
        domains: &["sonha.gov.vn", "www.sonha.gov.vn"],
        assets: &[Nginx, Nginx, JavaApp(PATCHED), Postgres],
        ..PORTAL
    },
    Spec {
        owner: "vpubnd",
        name: "Hệ thống quản lý văn bản và điều hành tỉnh Sơn Hà",
        tag: "qlvb",
        level: 3,
        function: Internal,
        info: &[Private],
        domains: &["qlvb.sonha.gov.vn"],
        assets: &[
            Nginx,
            JavaApp(PATCHED),
            Postgres,
            Workstations(2, Office::Mixed),
        ],
        gaps: Gaps {
            no_ncsc: true,
            ..COMPLETE
        },
        ..PORTAL
    },
    Spec {
        owner: "vpubnd",
        name: "Hệ thống thông tin báo cáo tỉnh Sơn Hà",
        tag: "baocao",
        level: 2,
        function: Internal,
        info: &[Private],
        domains: &["baocao.sonha.gov.vn"],
        assets: &[Iis, SqlServer],
        ..PORTAL
    },
    Spec {
        owner: "vpubnd",
        name: "Hệ thống họp trực tuyến tỉnh Sơn Hà",
        tag: "hop",
        level: 2,
        function: Internal,
        info: &[Private],
        domains: &["hop.sonha.gov.vn"],
        assets: &[VideoBridge, Nginx],
        note: Some("Kết nối điểm cầu đến 62 xã, phường"),
        ..PORTAL
    },
    Spec {
        owner: "ttpvhcc",
        name: "Hệ thống thông tin giải quyết thủ tục hành chính tỉnh Sơn Hà",
        tag: "dvc",
        level: 3,
        info: &[Public, Personal],
        subjects: Some(1_250_000),
        domains: &["dichvucong.sonha.gov.vn", "motcua.sonha.gov.vn"],
        assets: &[Nginx, Nginx, JavaApp(PATCHED), JavaApp(PATCHED), Postgres],
        ..PORTAL
    },
    Spec {
        owner: "ttpvhcc",
        name: "Hệ thống tiếp nhận phản ánh, kiến nghị và tổng đài 1022",
        tag: "tongdai",
        level: 2,
        info: &[Personal],
        subjects: Some(60_000),
        host: Own,
        domains: &["1022.sonha.gov.vn"],
        assets: &[Iis, SqlServer, Workstations(2, Office::Mixed)],
        ..PORTAL
    },
    Spec {
        owner: "snv",
        name: "Hệ thống quản lý hồ sơ cán bộ, công chức, viên chức tỉnh Sơn Hà",
        tag: "cbccvc",
        level: 2,
        function: Internal,
        info: &[Personal, Private],
        subjects: Some(24_000),
        internet: false,
        assets: &[JavaApp(PATCHED), Postgres, Workstations(2, Office::Mixed)],
        ..PORTAL
    },
    Spec {
        owner: "snv",
        name: "Cổng thông tin điện tử Sở Nội vụ",
        domains: &["snv.sonha.gov.vn"],
        ..PORTAL
    },
    Spec {
        owner: "snv",
        name: "Hệ thống quản lý tài liệu lưu trữ điện tử",
        tag: "luutru",
        level: 2,
        function: Internal,
        info: &[Private],
        internet: false,
        host: Own,
        assets: &[FileServer, Iis, SqlServer],
        pending: true,
        note: Some("Hồ sơ đề xuất cấp độ đang chờ thẩm định"),
        ..PORTAL
    },
    Spec {
        owner: "stp",
        name: "Hệ thống đăng ký và quản lý hộ tịch điện tử tỉnh Sơn Hà",
        tag: "hotich",
        level: 3,
        info: &[Personal],
        subjects: Some(1_200_000),
        domains: &["hotich.sonha.gov.vn"],
        assets: &[Nginx, JavaApp(PATCHED), Postgres],
        gaps: Gaps {
            assessed: Assessed::Never,
            no_ncsc: true,
            ..COMPLETE
        },
        ..PORTAL
    },
    Spec {
        owner: "stp",
        name: "Cơ sở dữ liệu lý lịch tư pháp",
        tag: "lltp",
        level: 2,
        function: Internal,
        info: &[Personal],
        subjects: Some(85_000),
        internet: false,
        host: Own,
        assets: &[Iis, SqlServer, Workstations(1, Office::Mixed)],
        ..PORTAL
    },
    Spec {
        owner: "stc",
        name: "Hệ thống quản lý ngân sách và tài sản công tỉnh Sơn Hà",
        tag: "ngansach",
        level: 2,
        function: Internal,
        info: &[Private],
        host: Own,
        domains: &["taisan.stc.sonha.gov.vn"],
        assets: &[
            BigIp {
                versions: &["16.1.3"],
                modules: &["LTM", "APM"],
                hotfix: Hotfix::None,
            },
            Iis,
            SqlServer,
        ],
        note: Some("Cán bộ tài chính các xã, phường truy cập từ xa qua BIG-IP APM"),
        ..PORTAL
    },
    Spec {
        owner: "stc",
        name: "Cổng thông tin điện tử Sở Tài chính",
        domains: &["stc.sonha.gov.vn"],
        ..PORTAL
    },
    Spec {
        owner: "stc",
        name: "Phần mềm kế toán hành chính sự nghiệp",
        tag: "ketoan",
        function: Internal,
        info: &[Private],
        internet: false,
        host: Own,
        assets: &[Accounting(2), SqlServer],
        ..PORTAL
    },
    // The former Sở Kế hoạch và Đầu tư's systems, with the Sở Tài chính
    // since 1 March 2025.
    Spec {
        owner: "stc",
        name: "Cổng thông tin xúc tiến đầu tư tỉnh Sơn Hà",
        tag: "xuctien",
        host: Hosted(Isp::Fpt),
        domains: &["dautu.sonha.gov.vn"],
        assets: &[WordPress, Mysql],
        note: Some("Thuê máy chủ ảo của nhà mạng"),
        ..PORTAL
    },
    Spec {
        owner: "stc",
        name: "Hệ thống quản lý dự án đầu tư công",
        tag: "duan",
        level: 2,
        function: Internal,
        info: &[Private],
        host: Own,
        domains: &["duan.stc.sonha.gov.vn"],
        assets: &[Apache, Mysql],
        pending: true,
        ..PORTAL
    },
    Spec {
        owner: "syt",
        name: "Cổng thông tin điện tử Sở Y tế",
        level: 2,
        host: Own,
        domains: &["syt.sonha.gov.vn"],
        assets: &[FortiGate(&["7.0.12"]), Apache, Mysql],
        ..PORTAL
    },
    Spec {
        owner: "syt",
        name: "Hệ thống thư điện tử nội bộ Sở Y tế",
        tag: "mail",
        level: 2,
        function: Internal,
        info: &[Private],
        host: Own,
        domains: &["mail.syt.sonha.gov.vn"],
        assets: &[
            Exchange(Exchange::E2016Cu19),
            Workstations(2, Office::Office2016),
        ],
        note: Some("Chưa chuyển sang hệ thống thư điện tử công vụ của tỉnh"),
        ..PORTAL
    },
    Spec {
        owner: "syt",
        name: "Hệ thống quản lý tiêm chủng và hồ sơ sức khỏe điện tử",
        tag: "hssk",
        level: 3,
        info: &[Personal],
        subjects: Some(980_000),
        domains: &["hssk.syt.sonha.gov.vn"],
        assets: &[Nginx, JavaApp(PATCHED), Postgres],
        gaps: Gaps {
            no_ncsc: true,
            ..COMPLETE
        },
        ..PORTAL
    },
    // Social protection passed from the former Sở Lao động – Thương binh
    // và Xã hội to the Sở Y tế on 1 March 2025.
    Spec {
        owner: "syt",
        name: "Cơ sở dữ liệu bảo trợ xã hội và trẻ em tỉnh Sơn Hà",
        tag: "btxh",
        level: 2,
        function: Internal,
        info: &[Personal],
        subjects: Some(210_000),
        internet: false,
        assets: &[JavaApp(PATCHED), Postgres],
        ..PORTAL
    },
    Spec {
        owner: "bvdk",
        name: "Hệ thống thông tin bệnh viện (HIS) Bệnh viện Đa khoa tỉnh Sơn Hà",
        tag: "his",
        level: 3,
        function: Internal,
        info: &[Personal],
        subjects: Some(350_000),
        host: Own,
        domains: &["his.bvdk.sonha.gov.vn"],
        assets: &[
            Iis,
            JavaApp(&["2.14.1"]),
            SqlServer,
            Workstations(2, Office::Mixed),
        ],
        gaps: Gaps {
            no_soc: true,
            assessed: Assessed::MoreThanYearAgo,
            ..COMPLETE
        },
        note: Some("Phần mềm HIS của nhà cung cấp, dịch vụ tích hợp viết bằng Java"),
        ..PORTAL
    },
    Spec {
        owner: "bvdk",
        name: "Hệ thống lưu trữ và truyền tải hình ảnh y khoa (PACS)",
        tag: "pacs",
        level: 2,
        function: Internal,
        info: &[Personal],
        subjects: Some(120_000),
        internet: false,
        host: Own,
        assets: &[JavaApp(PATCHED), Postgres, Workstations(1, Office::Mixed)],
        ..PORTAL
    },
    Spec {
        owner: "sgddt",
        name: "Cơ sở dữ liệu ngành giáo dục và đào tạo tỉnh Sơn Hà",
        tag: "csdl",
        level: 2,
        function: Internal,
        info: &[Personal],
        subjects: Some(310_000),
        host: Own,
        domains: &["csdl.sgddt.sonha.gov.vn"],
        assets: &[Nginx, JavaApp(PATCHED), Postgres],
        ..PORTAL
    },
    Spec {
        owner: "sgddt",
        name: "Hệ thống tuyển sinh đầu cấp trực tuyến",
        tag: "tuyensinh",
        level: 2,
        info: &[Personal],
        subjects: Some(45_000),
        host: Own,
        domains: &["tuyensinh.sgddt.sonha.gov.vn"],
        assets: &[Apache2449, Mysql],
        ..PORTAL
    },
    Spec {
        owner: "sgddt",
        name: "Cổng thông tin điện tử Sở Giáo dục và Đào tạo",
        host: Own,
        domains: &["sgddt.sonha.gov.vn"],
        ..PORTAL
    },
    Spec {
        owner: "snnmt",
        name: "Cơ sở dữ liệu đất đai tỉnh Sơn Hà",
        tag: "datdai",
        level: 3,
        info: &[Personal, Private],
        subjects: Some(420_000),
        domains: &["datdai.sonha.gov.vn"],
        assets: &[
            Nginx,
            JavaApp(PATCHED),
            Postgres,
            Workstations(2, Office::Mixed),
        ],
        gaps: Gaps {
            no_onsite: true,
            ..COMPLETE
        },
        ..PORTAL
    },
    Spec {
        owner: "snnmt",
        name: "Hệ thống quan trắc môi trường tự động tỉnh Sơn Hà",
        tag: "quantrac",
        level: 2,
        function: IndustrialControl,
        info: &[Public],
        host: Own,
        domains: &["quantrac.snnmt.sonha.gov.vn"],
        assets: &[Iis, SqlServer, Sensor, Sensor],
        ..PORTAL
    },
    Spec {
        owner: "sxd",
        name: "Hệ thống quản lý sát hạch và cấp giấy phép lái xe",
        tag: "gplx",
        level: 2,
        info: &[Personal],
        subjects: Some(180_000),
        internet: false,
        host: Own,
        assets: &[Iis, SqlServer, Workstations(1, Office::Mixed)],
        ..PORTAL
    },
    Spec {
        owner: "sxd",
        name: "Hệ thống camera giám sát giao thông",
        tag: "camera",
        function: Other,
        internet: false,
        host: Own,
        assets: &[Camera, Camera, FileServer],
        ..PORTAL
    },
    Spec {
        owner: "snnmt",
        name: "Hệ thống cảnh báo thiên tai và phòng, chống lụt bão",
        tag: "pclb",
        level: 2,
        domains: &["pclb.sonha.gov.vn"],
        assets: &[Nginx, Postgres, Sensor],
        ..PORTAL
    },
    Spec {
        owner: "svhttdl",
        name: "Cổng thông tin du lịch tỉnh Sơn Hà",
        tag: "dulich",
        host: Hosted(Isp::Viettel),
        domains: &["dulich.sonha.gov.vn"],
        assets: &[WordPress, Mysql],
        note: Some("Thuê máy chủ ảo của nhà mạng"),
        ..PORTAL
    },
    Spec {
        owner: "sct",
        name: "Cổng thông tin điện tử Sở Công Thương",
        host: Own,
        domains: &["sct.sonha.gov.vn"],
        assets: &[Apache, Mysql],
        ..PORTAL
    },
    Spec {
        owner: "bhxh",
        name: "Hệ thống tiếp nhận hồ sơ điện tử và giao dịch bảo hiểm xã hội",
        tag: "gddt",
        level: 3,
        info: &[Personal],
        subjects: Some(1_100_000),
        host: Own,
        domains: &["gddt.bhxh.sonha.gov.vn"],
        assets: &[
            BigIp {
                versions: &["15.1.0.4", "14.1.2.3"],
                modules: &["LTM", "ASM", "APM"],
                hotfix: Hotfix::None,
            },
            Iis,
            Iis,
            SqlServer,
        ],
        gaps: Gaps {
            assessed: Assessed::MoreThanYearAgo,
            ..COMPLETE
        },
        ..PORTAL
    },
    // Commune and ward committees (no districts since 1 July 2025).
    Spec {
        owner: "psonha",
        name: "Cổng thông tin điện tử phường Sơn Hà",
        level: 2,
        domains: &["psonha.sonha.gov.vn"],
        ..PORTAL
    },
    Spec {
        owner: "psonha",
        name: "Trung tâm giám sát, điều hành đô thị thông minh (IOC) phường Sơn Hà",
        tag: "ioc",
        level: 3,
        info: &[Public, Personal],
        subjects: Some(180_000),
        host: Own,
        domains: &["ioc.psonha.sonha.gov.vn"],
        assets: &[
            FortiGate(&["6.4.11"]),
            Iis,
            SqlServer,
            Camera,
            Workstations(1, Office::Mixed),
        ],
        gaps: Gaps {
            no_soc: true,
            no_ncsc: true,
            assessed: Assessed::Never,
            ..COMPLETE
        },
        pending: true,
        note: Some("Hồ sơ đề xuất cấp độ 3 đang chờ UBND tỉnh phê duyệt"),
        ..PORTAL
    },
    Spec {
        owner: "thanhlam",
        name: "Cổng thông tin điện tử xã Thanh Lâm",
        domains: &["thanhlam.sonha.gov.vn"],
        ..PORTAL
    },
    Spec {
        owner: "thanhlam",
        name: "Hệ thống mạng nội bộ UBND xã Thanh Lâm",
        tag: "lan",
        function: Infrastructure,
        info: &[Private],
        host: Own,
        assets: &[
            FortiGate(&["6.0.4"]),
            FileServer,
            Workstations(2, Office::Mixed),
        ],
        note: Some("Tường lửa hết hạn gói cập nhật từ năm 2022"),
        ..PORTAL
    },
    Spec {
        owner: "vanson",
        name: "Cổng thông tin điện tử xã Vân Sơn",
        host: Own,
        domains: &["vanson.sonha.gov.vn"],
        assets: &[Apache, Mysql],
        ..PORTAL
    },
    Spec {
        owner: "vanson",
        name: "Hệ thống mạng nội bộ và truy cập từ xa UBND xã Vân Sơn",
        tag: "lan",
        level: 2,
        function: Infrastructure,
        info: &[Private],
        host: Own,
        assets: &[
            FortiGate(&["7.0.6"]),
            FileServer,
            Workstations(1, Office::Mixed),
        ],
        ..PORTAL
    },
    Spec {
        owner: "phudien",
        name: "Cổng thông tin điện tử xã Phú Điền",
        domains: &["phudien.sonha.gov.vn"],
        ..PORTAL
    },
    Spec {
        owner: "anlac",
        name: "Hệ thống mạng nội bộ UBND xã An Lạc",
        tag: "lan",
        level: 2,
        function: Infrastructure,
        info: &[Private],
        host: Own,
        assets: &[PanOs("10.2.8"), FileServer, Workstations(2, Office::Mixed)],
        ..PORTAL
    },
    Spec {
        owner: "anlac",
        name: "Cổng thông tin điện tử xã An Lạc",
        domains: &["anlac.sonha.gov.vn"],
        ..PORTAL
    },
    Spec {
        owner: "tayha",
        name: "Cổng thông tin điện tử xã Tây Hà",
        host: Hosted(Isp::Vnpt),
        domains: &["tayha.sonha.gov.vn"],
        assets: &[WordPress, Mysql],
        ..PORTAL
    },
    Spec {
        owner: "ptranphu",
        name: "Trang thông tin điện tử phường Trần Phú",
        host: Own,
        domains: &["ptranphu.sonha.gov.vn"],
        assets: &[WordPress, Workstations(2, Office::Mixed)],
        ..PORTAL
    },
    Spec {
        owner: "xthanhthuy",
        name: "Trang thông tin điện tử xã Thanh Thủy",
        domains: &["xthanhthuy.sonha.gov.vn"],
        ..PORTAL
    },
    Spec {
        owner: "xvanhoa",
        name: "Hệ thống mạng nội bộ UBND xã Vân Hòa",
        tag: "lan",
        function: Infrastructure,
        info: &[Private],
        host: Own,
        assets: &[Switch, Workstations(3, Office::Mixed)],
        ..PORTAL
    },
    Spec {
        owner: "xphuan",
        name: "Trang thông tin điện tử xã Phú An",
        host: Hosted(Isp::Viettel),
        domains: &["xphuan.sonha.gov.vn"],
        assets: &[WordPress, Mysql],
        ..PORTAL
    },
];

/// A date between two months (inclusive), as `YYYY-MM-DD`.
///
/// The demo must be the same on every run, so dates are fixed ranges, not
/// offsets from today. They are chosen for use from late 2026: "within a
/// year" means December 2025 to June 2026.
fn date_between(rng: &mut impl Rng, from: (i32, u32), to: (i32, u32)) -> String {
    let first = from.0 * 12 + from.1 as i32 - 1;
    let last = to.0 * 12 + to.1 as i32 - 1;
    let m = rng.gen_range(first..=last);
    format!(
        "{:04}-{:02}-{:02}",
        m / 12,
        m % 12 + 1,
        rng.gen_range(1..=28)
    )
}

fn recent(rng: &mut impl Rng) -> String {
    date_between(rng, (2025, 12), (2026, 6))
}

fn stale(rng: &mut impl Rng) -> String {
    date_between(rng, (2023, 3), (2024, 10))
}

fn level(n: u8) -> SecurityLevel {
    n.to_string().parse().expect("catalogue level")
}

fn approval(rng: &mut impl Rng, spec: &Spec, owner: &OrgInfo) -> Approval {
    // Decree 85/2016: the provincial committee approves level 3 and above;
    // the owning body approves levels 1 and 2 itself.
    let (number, body) = if spec.level >= 3 {
        (
            format!("{}/QĐ-UBND", rng.gen_range(150..3200)),
            "UBND tỉnh Sơn Hà",
        )
    } else {
        (
            format!("{}/{}", rng.gen_range(12..480), owner.decision),
            owner.name,
        )
    };
    Approval {
        number: number.parse().expect("decision number"),
        date: date_between(rng, (2022, 1), (2025, 12))
            .parse()
            .expect("decision date"),
        body: body.parse().expect("decision body"),
    }
}

/// The systems, numbered per owner in catalogue order.
pub fn build(rng: &mut impl Rng, plan: &mut AddressPlan, orgs: &[OrgInfo]) -> Vec<DemoSystem> {
    let find = |key: &str| orgs.iter().find(|o| o.key == key);
    let Some(dc) = find("ttdl") else {
        return Vec::new();
    };
    let mut numbers: BTreeMap<&str, u32> = BTreeMap::new();
    let mut out = Vec::new();
    for spec in SPECS {
        let Some(owner) = find(spec.owner) else {
            continue;
        };
        let n = numbers.entry(owner.key).or_insert(0);
        *n += 1;
        let code: SystemCode = format!("SONHA-{}-{:02}", owner.slug.to_uppercase(), n)
            .parse()
            .expect("system code");

        let own_isp = owner.isp().unwrap_or(Isp::Vnpt);
        let (operator, isp, public_blocks) = match spec.host {
            Host::DataCentre => {
                let isp = dc.isp().unwrap_or(Isp::Vnpt);
                let operator = (owner.key != dc.key).then_some(dc.key);
                (operator, isp, dc.blocks_of(isp))
            }
            Host::Own => (None, own_isp, owner.blocks_of(own_isp)),
            Host::Hosted(isp) => (None, isp, Vec::new()),
        };
        let in_dc = matches!(spec.host, Host::DataCentre);
        let site = Site {
            tag: format!("{}-{}", owner.slug, spec.tag),
            public_blocks,
            isp,
            office_gateway: AddressPlan::gateway(&owner.all_blocks()),
            domains: spec.domains.iter().map(|d| d.to_string()).collect(),
            internet_facing: spec.internet,
        };
        let assets = assets::build(rng, plan, &site, spec.assets);

        let high = spec.level >= 3;
        // The SOC contract covers level 3 and above; the data centre's own
        // sensors see some lower-level systems hosted there too.
        let soc = if high {
            !spec.gaps.no_soc
        } else {
            in_dc && rng.gen_bool(0.4)
        };
        let last_assessment = if high {
            match spec.gaps.assessed {
                Assessed::WithinYear => Some(recent(rng)),
                Assessed::MoreThanYearAgo => Some(stale(rng)),
                Assessed::Never => None,
            }
        } else if rng.gen_bool(0.25) {
            Some(stale(rng))
        } else {
            None
        };
        let protection = Protection {
            onsite_force: if high {
                !spec.gaps.no_onsite
            } else {
                rng.gen_bool(0.5)
            },
            soc_monitoring: soc,
            last_assessment: last_assessment.map(|d| d.parse().expect("assessment date")),
            ncsc_connected: if high {
                !spec.gaps.no_ncsc
            } else {
                in_dc && rng.gen_bool(0.6)
            },
        };
        let approval = (!spec.pending).then(|| approval(rng, spec, owner));
        let data_subjects = spec.subjects.map(|n| {
            let jitter = rng.gen_range(92..=108);
            (n * jitter / 100).max(100) / 100 * 100
        });
        let input = InfoSystemInput {
            code,
            name: spec.name.parse().expect("catalogue name"),
            owner_org_id: 0,
            operator_org_id: None,
            function_type: spec.function,
            info_types: spec.info.to_vec(),
            data_subjects,
            proposed_level: Some(level(spec.level)),
            approved_level: approval.as_ref().map(|_| level(spec.level)),
            approval,
            internet_facing: spec.internet,
            soc_provider_id: None,
            isp_id: None,
            protection,
            notes: spec.note.map(str::to_string),
        };
        out.push(DemoSystem {
            owner_key: owner.key.to_string(),
            operator_key: operator.map(str::to_string),
            soc_key: soc.then(|| "soc".to_string()),
            isp_key: Some(isp.key().to_string()),
            input,
            assets,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_recipe_list_makes_two_to_six_assets() {
        for s in SPECS {
            let n = assets::count(s.assets);
            assert!((2..=6).contains(&n), "{}: {n} assets", s.name);
        }
    }
}
