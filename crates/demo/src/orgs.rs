//! The organisations of tỉnh Sơn Hà as local government has been since
//! 1 July 2025 (two tiers: the province, and its communes and wards directly
//! under it, no districts) and state management of information security
//! since 1 March 2025: the Sở Khoa học và Công nghệ coordinates, the
//! provincial police's cyber-security unit is a partner, then agencies,
//! commune and ward committees, the telecom operators, the SOC provider and
//! the national bodies.

use crate::ipspace::{AddressPlan, Isp};
use crate::people::{contact, landline, mobile, Person};
use crate::DemoOrg;
use domain::{Cidr, Contact, OrgInput, OrgType};
use rand::Rng;

/// The fictional province's mail and web domain.
pub const DOMAIN: &str = "sonha.gov.vn";

/// A provincial body that staffs its own IT: it gets people, mailboxes
/// under [`DOMAIN`] and, usually, address blocks of its own.
struct Spec {
    key: &'static str,
    parent: Option<&'static str>,
    name: &'static str,
    short: &'static str,
    /// DNS label of its mail domain; also the stem of system codes and
    /// user names, so ASCII.
    slug: &'static str,
    org_type: OrgType,
    address: &'static str,
    blocks: &'static [(Isp, u8)],
    leader: &'static str,
    it: &'static str,
    /// Suffix of the decisions it signs, e.g. `QĐ-STC`.
    decision: &'static str,
}

const SO: &str = "Phó Giám đốc";
const SO_IT: &str = "Chuyên viên CNTT, Văn phòng Sở";
const XA: &str = "Phó Chủ tịch UBND";
const XA_IT: &str = "Công chức Phòng Văn hóa – Xã hội, phụ trách chuyển đổi số";

use Isp::{Fpt, Mobifone, Viettel, Vnpt};

const SPECS: &[Spec] = &[
    Spec {
        key: "skhcn",
        parent: None,
        name: "Sở Khoa học và Công nghệ tỉnh Sơn Hà",
        short: "SKHCN",
        slug: "skhcn",
        org_type: OrgType::Coordinator,
        address: "Số 28 đường Hùng Vương, phường Trần Phú, tỉnh Sơn Hà",
        // Part of the provincial data centre's public range: the Sở's own
        // management and security-monitoring hosts sit here.
        blocks: &[(Vnpt, 28), (Vnpt, 28)],
        leader: SO,
        it: "Chuyên viên Phòng Công nghệ thông tin và Chuyển đổi số",
        decision: "QĐ-SKHCN",
    },
    Spec {
        key: "ttdl",
        parent: Some("skhcn"),
        name: "Trung tâm Dữ liệu tỉnh Sơn Hà",
        short: "TTDL",
        slug: "ttdl",
        org_type: OrgType::Agency,
        address: "Số 28 đường Hùng Vương, phường Trần Phú, tỉnh Sơn Hà",
        // The data centre's public service range.
        blocks: &[(Vnpt, 26), (Vnpt, 27)],
        leader: SO,
        it: "Trưởng phòng Hạ tầng và An toàn thông tin",
        decision: "QĐ-TTDL",
    },
    Spec {
        key: "pa05",
        parent: None,
        name:
            "Phòng An ninh mạng và phòng, chống tội phạm sử dụng công nghệ cao, Công an tỉnh Sơn Hà",
        short: "PA05 Công an tỉnh",
        slug: "pa05",
        org_type: OrgType::Partner,
        address: "Số 8 đường Trần Hưng Đạo, phường Trần Phú, tỉnh Sơn Hà",
        blocks: &[],
        leader: "Phó Trưởng phòng",
        it: "Cán bộ Đội an ninh mạng",
        decision: "QĐ-PA05",
    },
    Spec {
        key: "vpubnd",
        parent: None,
        name: "Văn phòng Ủy ban nhân dân tỉnh Sơn Hà",
        short: "VP UBND",
        slug: "vpubnd",
        org_type: OrgType::Agency,
        address: "Số 52 đường Hùng Vương, phường Trần Phú, tỉnh Sơn Hà",
        blocks: &[(Vnpt, 28)],
        leader: "Phó Chánh Văn phòng",
        it: "Chuyên viên Phòng Hành chính – Tổ chức, phụ trách CNTT",
        decision: "QĐ-VP",
    },
    Spec {
        key: "ttpvhcc",
        parent: Some("vpubnd"),
        name: "Trung tâm Phục vụ hành chính công tỉnh Sơn Hà",
        short: "TTPVHCC",
        slug: "hcc",
        org_type: OrgType::Agency,
        address: "Số 2 đường Lê Lợi, phường Lê Hồng Phong, tỉnh Sơn Hà",
        blocks: &[(Vnpt, 29)],
        leader: SO,
        it: "Viên chức quản trị hệ thống",
        decision: "QĐ-TTPVHCC",
    },
    Spec {
        key: "snv",
        parent: None,
        name: "Sở Nội vụ tỉnh Sơn Hà",
        short: "SNV",
        slug: "snv",
        org_type: OrgType::Agency,
        address: "Số 15 đường Phan Đình Phùng, phường Trần Phú, tỉnh Sơn Hà",
        blocks: &[(Vnpt, 29)],
        leader: SO,
        it: SO_IT,
        decision: "QĐ-SNV",
    },
    Spec {
        key: "stp",
        parent: None,
        name: "Sở Tư pháp tỉnh Sơn Hà",
        short: "STP",
        slug: "stp",
        org_type: OrgType::Agency,
        address: "Số 9 đường Quang Trung, phường Lê Hồng Phong, tỉnh Sơn Hà",
        blocks: &[(Vnpt, 29)],
        leader: SO,
        it: SO_IT,
        decision: "QĐ-STP",
    },
    Spec {
        // Since 1 March 2025 it also holds the former Sở Kế hoạch và Đầu tư.
        key: "stc",
        parent: None,
        name: "Sở Tài chính tỉnh Sơn Hà",
        short: "STC",
        slug: "stc",
        org_type: OrgType::Agency,
        address: "Số 41 đường Trần Hưng Đạo, phường Trần Phú, tỉnh Sơn Hà",
        // Dual-homed: a VNPT line for the office, a Viettel line as backup.
        blocks: &[(Vnpt, 28), (Viettel, 29)],
        leader: SO,
        it: "Phó Trưởng phòng Tin học và Thống kê",
        decision: "QĐ-STC",
    },
    Spec {
        key: "syt",
        parent: None,
        name: "Sở Y tế tỉnh Sơn Hà",
        short: "SYT",
        slug: "syt",
        org_type: OrgType::Agency,
        address: "Số 106 đường Nguyễn Huệ, phường Hòa Bình, tỉnh Sơn Hà",
        blocks: &[(Viettel, 28)],
        leader: SO,
        it: SO_IT,
        decision: "QĐ-SYT",
    },
    Spec {
        key: "bvdk",
        parent: Some("syt"),
        name: "Bệnh viện Đa khoa tỉnh Sơn Hà",
        short: "BVĐK",
        slug: "bvdk",
        org_type: OrgType::Agency,
        address: "Số 250 đường Phạm Văn Đồng, phường Hòa Bình, tỉnh Sơn Hà",
        blocks: &[(Viettel, 28), (Vnpt, 29)],
        leader: SO,
        it: "Trưởng phòng Công nghệ thông tin",
        decision: "QĐ-BVĐK",
    },
    Spec {
        key: "sgddt",
        parent: None,
        name: "Sở Giáo dục và Đào tạo tỉnh Sơn Hà",
        short: "SGDĐT",
        slug: "sgddt",
        org_type: OrgType::Agency,
        address: "Số 18 đường Lý Thường Kiệt, phường Lê Hồng Phong, tỉnh Sơn Hà",
        blocks: &[(Fpt, 28)],
        leader: SO,
        it: "Chuyên viên Văn phòng Sở, phụ trách chuyển đổi số",
        decision: "QĐ-SGDĐT",
    },
    Spec {
        // Since 1 March 2025: the former Sở Tài nguyên và Môi trường and
        // Sở Nông nghiệp và Phát triển nông thôn, merged.
        key: "snnmt",
        parent: None,
        name: "Sở Nông nghiệp và Môi trường tỉnh Sơn Hà",
        short: "SNNMT",
        slug: "snnmt",
        org_type: OrgType::Agency,
        address: "Số 7 đường Nguyễn Trãi, phường Thống Nhất, tỉnh Sơn Hà",
        blocks: &[(Vnpt, 28)],
        leader: SO,
        it: "Phó Giám đốc Trung tâm Chuyển đổi số nông nghiệp và môi trường",
        decision: "QĐ-SNNMT",
    },
    Spec {
        // Since 1 March 2025 it also holds the former Sở Giao thông vận tải.
        key: "sxd",
        parent: None,
        name: "Sở Xây dựng tỉnh Sơn Hà",
        short: "SXD",
        slug: "sxd",
        org_type: OrgType::Agency,
        address: "Số 60 đường Quang Trung, phường Thống Nhất, tỉnh Sơn Hà",
        blocks: &[(Vnpt, 29)],
        leader: SO,
        it: SO_IT,
        decision: "QĐ-SXD",
    },
    Spec {
        key: "svhttdl",
        parent: None,
        name: "Sở Văn hóa, Thể thao và Du lịch tỉnh Sơn Hà",
        short: "SVHTTDL",
        slug: "svhttdl",
        org_type: OrgType::Agency,
        address: "Số 5 đường Bạch Đằng, phường Thống Nhất, tỉnh Sơn Hà",
        blocks: &[],
        leader: SO,
        it: SO_IT,
        decision: "QĐ-SVHTTDL",
    },
    Spec {
        key: "sct",
        parent: None,
        name: "Sở Công Thương tỉnh Sơn Hà",
        short: "SCT",
        slug: "sct",
        org_type: OrgType::Agency,
        address: "Số 71 đường Trần Hưng Đạo, phường Trần Phú, tỉnh Sơn Hà",
        blocks: &[(Vnpt, 29)],
        leader: SO,
        it: SO_IT,
        decision: "QĐ-SCT",
    },
    Spec {
        key: "bhxh",
        parent: None,
        name: "Bảo hiểm xã hội tỉnh Sơn Hà",
        short: "BHXH",
        slug: "bhxh",
        org_type: OrgType::Agency,
        address: "Số 89 đường Lê Lợi, phường Lê Hồng Phong, tỉnh Sơn Hà",
        blocks: &[(Viettel, 28)],
        leader: SO,
        it: "Phó Trưởng phòng Công nghệ thông tin",
        decision: "QĐ-BHXH",
    },
    Spec {
        key: "psonha",
        parent: None,
        name: "UBND phường Sơn Hà",
        short: "UBND P. Sơn Hà",
        slug: "psonha",
        org_type: OrgType::Commune,
        address: "Số 1 đường Nguyễn Huệ, phường Sơn Hà, tỉnh Sơn Hà",
        blocks: &[(Vnpt, 28), (Viettel, 29)],
        leader: XA,
        it: XA_IT,
        decision: "QĐ-UBND",
    },
    Spec {
        key: "ptranphu",
        parent: None,
        name: "UBND phường Trần Phú",
        short: "UBND P. Trần Phú",
        slug: "ptranphu",
        org_type: OrgType::Commune,
        address: "Số 14 đường Phan Bội Châu, phường Trần Phú, tỉnh Sơn Hà",
        blocks: &[(Vnpt, 29)],
        leader: XA,
        it: XA_IT,
        decision: "QĐ-UBND",
    },
    Spec {
        key: "thanhlam",
        parent: None,
        name: "UBND xã Thanh Lâm",
        short: "UBND X. Thanh Lâm",
        slug: "thanhlam",
        org_type: OrgType::Commune,
        address: "Khu hành chính xã, thôn Trung Tâm, xã Thanh Lâm, tỉnh Sơn Hà",
        blocks: &[(Vnpt, 29)],
        leader: XA,
        it: XA_IT,
        decision: "QĐ-UBND",
    },
    Spec {
        key: "vanson",
        parent: None,
        name: "UBND xã Vân Sơn",
        short: "UBND X. Vân Sơn",
        slug: "vanson",
        org_type: OrgType::Commune,
        address: "Số 3 đường 19/5, xã Vân Sơn, tỉnh Sơn Hà",
        blocks: &[(Viettel, 29)],
        leader: XA,
        it: XA_IT,
        decision: "QĐ-UBND",
    },
    Spec {
        key: "phudien",
        parent: None,
        name: "UBND xã Phú Điền",
        short: "UBND X. Phú Điền",
        slug: "phudien",
        org_type: OrgType::Commune,
        address: "Thôn Phú Thịnh, xã Phú Điền, tỉnh Sơn Hà",
        blocks: &[(Vnpt, 29)],
        leader: XA,
        it: XA_IT,
        decision: "QĐ-UBND",
    },
    Spec {
        key: "anlac",
        parent: None,
        name: "UBND xã An Lạc",
        short: "UBND X. An Lạc",
        slug: "anlac",
        org_type: OrgType::Commune,
        address: "Số 10 đường Trần Phú, xã An Lạc, tỉnh Sơn Hà",
        blocks: &[(Mobifone, 29)],
        leader: XA,
        it: XA_IT,
        decision: "QĐ-UBND",
    },
    Spec {
        key: "tayha",
        parent: None,
        name: "UBND xã Tây Hà",
        short: "UBND X. Tây Hà",
        slug: "tayha",
        org_type: OrgType::Commune,
        address: "Thôn Trung Tâm, xã Tây Hà, tỉnh Sơn Hà",
        blocks: &[],
        leader: XA,
        it: XA_IT,
        decision: "QĐ-UBND",
    },
    Spec {
        key: "xthanhthuy",
        parent: None,
        name: "UBND xã Thanh Thủy",
        short: "UBND X. Thanh Thủy",
        slug: "xthanhthuy",
        org_type: OrgType::Commune,
        address: "Thôn Đông, xã Thanh Thủy, tỉnh Sơn Hà",
        blocks: &[],
        leader: XA,
        it: XA_IT,
        decision: "QĐ-UBND",
    },
    Spec {
        key: "xvanhoa",
        parent: None,
        name: "UBND xã Vân Hòa",
        short: "UBND X. Vân Hòa",
        slug: "xvanhoa",
        org_type: OrgType::Commune,
        address: "Tổ dân phố 2, xã Vân Hòa, tỉnh Sơn Hà",
        blocks: &[(Viettel, 29)],
        leader: XA,
        it: XA_IT,
        decision: "QĐ-UBND",
    },
    Spec {
        key: "xphuan",
        parent: None,
        name: "UBND xã Phú An",
        short: "UBND X. Phú An",
        slug: "xphuan",
        org_type: OrgType::Commune,
        address: "Thôn An Lộc, xã Phú An, tỉnh Sơn Hà",
        blocks: &[],
        leader: XA,
        it: XA_IT,
        decision: "QĐ-UBND",
    },
];

/// What the system generator needs to know about a provincial body.
#[derive(Debug, Clone)]
pub struct OrgInfo {
    pub key: &'static str,
    pub slug: &'static str,
    pub name: &'static str,
    pub decision: &'static str,
    pub blocks: Vec<(Isp, Cidr)>,
}

impl OrgInfo {
    /// Operator of the connection the body's systems use: that of its first block.
    pub fn isp(&self) -> Option<Isp> {
        self.blocks.first().map(|(i, _)| *i)
    }
    pub fn blocks_of(&self, isp: Isp) -> Vec<Cidr> {
        self.blocks
            .iter()
            .filter(|(i, _)| *i == isp)
            .map(|(_, c)| *c)
            .collect()
    }
    pub fn all_blocks(&self) -> Vec<Cidr> {
        self.blocks.iter().map(|(_, c)| *c).collect()
    }
}

fn input(
    name: &str,
    short: &str,
    org_type: OrgType,
    address: Option<&str>,
    contacts: Vec<Contact>,
    contact_24x7: Option<Contact>,
) -> OrgInput {
    OrgInput {
        name: name.parse().expect("catalogue name"),
        short_name: short.parse().expect("catalogue short name"),
        org_type,
        parent_id: None,
        address: address.map(str::to_string),
        contacts,
        contact_24x7,
        address_blocks: Vec::new(),
        asns: Vec::new(),
    }
}

fn provincial(rng: &mut impl Rng, plan: &mut AddressPlan, spec: &Spec) -> (DemoOrg, OrgInfo) {
    let domain = format!("{}.{DOMAIN}", spec.slug);
    let leader = Person::random(rng);
    let it = Person::random(rng);
    let leader_box = leader.mailbox();
    let it_mobile = mobile(rng);
    let mut it_box = it.mailbox();
    if it_box == leader_box {
        it_box.push('2');
    }
    let mut contacts = vec![
        contact(
            &leader.full_name(),
            spec.leader,
            Some(&landline(rng)),
            Some(&format!("{leader_box}@{domain}")),
        ),
        contact(
            &it.full_name(),
            spec.it,
            Some(&it_mobile),
            Some(&format!("{it_box}@{domain}")),
        ),
    ];
    if spec.org_type == OrgType::Coordinator {
        let head = Person::random(rng);
        contacts.insert(
            1,
            contact(
                &head.full_name(),
                "Trưởng phòng Công nghệ thông tin và Chuyển đổi số",
                Some(&mobile(rng)),
                Some(&format!("{}@{domain}", head.mailbox())),
            ),
        );
    }
    // The directives ask for a named person on a mobile number, reachable at
    // any hour, and a shared mailbox that survives staff changes.
    let duty = contact(
        &it.full_name(),
        "Đầu mối trực an toàn thông tin 24/7",
        Some(&it_mobile),
        Some(&format!("attt@{domain}")),
    );
    let mut org = input(
        spec.name,
        spec.short,
        spec.org_type,
        Some(spec.address),
        contacts,
        Some(duty),
    );
    let mut blocks = Vec::new();
    for &(isp, prefix) in spec.blocks {
        if let Some(c) = plan.carve(rng, isp, prefix) {
            blocks.push((isp, c));
        }
    }
    org.address_blocks = blocks.iter().map(|(_, c)| *c).collect();
    let info = OrgInfo {
        key: spec.key,
        slug: spec.slug,
        name: spec.name,
        decision: spec.decision,
        blocks,
    };
    let demo = DemoOrg {
        key: spec.key.to_string(),
        parent_key: spec.parent.map(str::to_string),
        input: org,
    };
    (demo, info)
}

struct Operator {
    isp: Isp,
    name: &'static str,
    short: &'static str,
    /// Mailbox domain of the branch. Subdomains of the operators' own
    /// domains that receive no mail, so a demo never writes to a real inbox.
    mail: &'static str,
    address: &'static str,
}

const OPERATORS: &[Operator] = &[
    Operator {
        isp: Viettel,
        name: "Viettel Sơn Hà – Chi nhánh Tập đoàn Công nghiệp – Viễn thông Quân đội",
        short: "Viettel Sơn Hà",
        mail: "sonha.viettel.vn",
        address: "Số 120 đường Lê Lợi, phường Lê Hồng Phong, tỉnh Sơn Hà",
    },
    Operator {
        isp: Vnpt,
        name: "Viễn thông Sơn Hà (VNPT Sơn Hà)",
        short: "VNPT Sơn Hà",
        mail: "sonha.vnpt.vn",
        address: "Số 40 đường Hùng Vương, phường Trần Phú, tỉnh Sơn Hà",
    },
    Operator {
        isp: Fpt,
        name: "FPT Telecom Sơn Hà – Chi nhánh Công ty Cổ phần Viễn thông FPT",
        short: "FPT Sơn Hà",
        mail: "sonha.fpt.vn",
        address: "Số 66 đường Nguyễn Trãi, phường Thống Nhất, tỉnh Sơn Hà",
    },
    Operator {
        isp: Mobifone,
        name: "MobiFone Sơn Hà – Công ty Dịch vụ MobiFone Khu vực 3",
        short: "MobiFone Sơn Hà",
        mail: "sonha.mobifone.vn",
        address: "Số 95 đường Quang Trung, phường Thống Nhất, tỉnh Sơn Hà",
    },
];

fn operator(rng: &mut impl Rng, op: &Operator) -> DemoOrg {
    let chief = Person::random(rng);
    let engineer = Person::random(rng);
    let contacts = vec![
        contact(
            &chief.full_name(),
            "Phó Giám đốc phụ trách kỹ thuật",
            Some(&landline(rng)),
            Some(&format!("{}@{}", chief.mailbox(), op.mail)),
        ),
        contact(
            &engineer.full_name(),
            "Kỹ sư an toàn thông tin mạng",
            Some(&mobile(rng)),
            Some(&format!("{}@{}", engineer.mailbox(), op.mail)),
        ),
    ];
    let noc = contact(
        "Trung tâm điều hành mạng (NOC)",
        "Trực vận hành khai thác 24/7",
        Some(&mobile(rng)),
        Some(&format!("noc@{}", op.mail)),
    );
    let mut org = input(
        op.name,
        op.short,
        OrgType::Isp,
        Some(op.address),
        contacts,
        Some(noc),
    );
    org.address_blocks = op.isp.blocks();
    org.asns = op.isp.asns();
    DemoOrg {
        key: op.isp.key().to_string(),
        parent_key: None,
        input: org,
    }
}

fn soc(rng: &mut impl Rng) -> DemoOrg {
    let mail = "soc.sonha.viettel.vn";
    let lead = Person::random(rng);
    let analyst = Person::random(rng);
    let contacts = vec![
        contact(
            &lead.full_name(),
            "Giám đốc Trung tâm Giám sát",
            Some(&mobile(rng)),
            Some(&format!("{}@{mail}", lead.mailbox())),
        ),
        contact(
            &analyst.full_name(),
            "Trưởng ca giám sát",
            Some(&mobile(rng)),
            Some(&format!("{}@{mail}", analyst.mailbox())),
        ),
    ];
    let shift = contact(
        "Ca trực giám sát SOC",
        "Trực giám sát 24/7",
        Some(&mobile(rng)),
        Some(&format!("truc@{mail}")),
    );
    DemoOrg {
        key: "soc".into(),
        parent_key: None,
        input: input(
            "Trung tâm Giám sát an toàn không gian mạng Sơn Hà – Viettel Sơn Hà",
            "SOC Sơn Hà",
            OrgType::Soc,
            Some("Số 120 đường Lê Lợi, phường Lê Hồng Phong, tỉnh Sơn Hà"),
            contacts,
            Some(shift),
        ),
    }
}

/// Marks a national contact whose numbers come from the 2024 directives,
/// before the bodies moved to the Ministry of Public Security: the installer
/// confirms them.
pub const TO_CONFIRM: &str = "cần xác nhận";

/// The national bodies as they are since 1 March 2025: the Ministry of
/// Public Security's Department of Cyber Security and High-Tech Crime
/// Prevention (A05) took over the Authority of Information Security's
/// duties, with the national response centre (VNCERT/CC) and the national
/// monitoring centre (NCSC). Their telephone numbers and mailboxes are those
/// the 2024 directives printed; each contact says "cần xác nhận" until the
/// installer has checked it.
fn national() -> Vec<DemoOrg> {
    let confirm = |title: &str| format!("{title} ({TO_CONFIRM})");
    let a05_desk = contact(
        "Bộ phận tiếp nhận thông tin an toàn thông tin mạng",
        &confirm("Đầu mối quản lý nhà nước về an toàn thông tin mạng, cảnh báo lỗ hổng"),
        None,
        None,
    );
    let vncert_desk = contact(
        "Trung tâm Ứng cứu khẩn cấp không gian mạng Việt Nam",
        &confirm("Đầu mối điều phối ứng cứu sự cố"),
        Some("024.3640.4421"),
        Some("ir@vncert.vn"),
    );
    let vncert_hotline = contact(
        "Đường dây nóng ứng cứu sự cố",
        &confirm("Trực ứng cứu sự cố 24/7"),
        Some("086.9100.317"),
        Some("ir@vncert.vn"),
    );
    let ncsc_desk = contact(
        "Trung tâm Giám sát an toàn không gian mạng quốc gia",
        &confirm("Đầu mối hỗ trợ giám sát, cảnh báo sớm"),
        Some("02432091616"),
        Some("ais@mic.gov.vn"),
    );
    let ncsc_hotline = contact(
        "Đường dây nóng hỗ trợ giám sát, cảnh báo sớm",
        &confirm("Trực giám sát 24/7"),
        Some("0389942878"),
        Some("ais@mic.gov.vn"),
    );
    let org = |key: &str, parent: Option<&str>, name, short, contacts, duty| DemoOrg {
        key: key.to_string(),
        parent_key: parent.map(str::to_string),
        input: input(name, short, OrgType::National, None, contacts, duty),
    };
    vec![
        org(
            "a05",
            None,
            "Cục An ninh mạng và phòng, chống tội phạm sử dụng công nghệ cao, Bộ Công an",
            "Cục A05",
            vec![a05_desk.clone()],
            Some(a05_desk),
        ),
        org(
            "vncert",
            Some("a05"),
            "Trung tâm Ứng cứu khẩn cấp không gian mạng Việt Nam (VNCERT/CC)",
            "VNCERT/CC",
            vec![vncert_desk],
            Some(vncert_hotline),
        ),
        org(
            "ncsc",
            Some("a05"),
            "Trung tâm Giám sát an toàn không gian mạng quốc gia (NCSC)",
            "NCSC",
            vec![ncsc_desk],
            Some(ncsc_hotline),
        ),
    ]
}

/// Every organisation, parents before children, and what the system
/// generator needs of the provincial ones.
pub fn build(rng: &mut impl Rng, plan: &mut AddressPlan) -> (Vec<DemoOrg>, Vec<OrgInfo>) {
    let mut orgs = Vec::new();
    let mut infos = Vec::new();
    for spec in SPECS {
        let (org, info) = provincial(rng, plan, spec);
        orgs.push(org);
        infos.push(info);
    }
    orgs.extend(OPERATORS.iter().map(|op| operator(rng, op)));
    orgs.push(soc(rng));
    orgs.extend(national());
    (orgs, infos)
}
