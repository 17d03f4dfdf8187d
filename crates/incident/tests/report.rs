use chrono::{DateTime, Utc};
use incident::*;

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn form() -> serde_json::Value {
    serde_json::json!({
        "reporter_org": {"id": 7, "name": "Sở Tài chính tỉnh Quảng Ngãi"},
        "reporter": {"name": "Nguyễn Văn A", "title": "Chuyên viên CNTT", "phone": "0255 3822 123", "email": "nva@stc.quangngai.gov.vn"},
        "contact": {"name": "Trần Thị B", "phone": "0912345678"},
        "owner_org": {"id": 7, "name": "Sở Tài chính tỉnh Quảng Ngãi"},
        "operator_org": {"name": "Trung tâm Chuyển đổi số"},
        "system": {
            "id": 3, "code": "QNG-STC.01", "name": "Cổng thông tin điện tử", "level": 2,
            "domains": ["stc.quangngai.gov.vn"], "public_ips": ["203.113.130.7"]
        },
        "security_providers": ["SOC Viettel"],
        "connectivity_providers": ["VNPT Quảng Ngãi"],
        "title": "Trang chủ bị thay đổi giao diện",
        "description": "Trang chủ bị thay bằng nội dung lạ.",
        "detected_at": "2025-01-25T16:10:00Z",
        "reported_status": "handling",
        "os_name": "Ubuntu", "os_version": "20.04",
        "public_services": ["HTTPS", "SSH"],
        "class": "defacement",
        "severity": "high",
        "tlp": "amber"
    })
}

#[test]
fn the_initial_report_form_parses_and_checks() {
    let r: InitialReport = serde_json::from_value(form()).unwrap();
    assert_eq!(r.system.as_ref().unwrap().level.unwrap().get(), 2);
    assert!(r.problems(at("2025-01-25T17:00:00Z")).is_empty());
    assert!(!r.is_late(at("2025-01-30T16:10:00Z")));
    assert!(r.is_late(at("2025-01-30T16:10:01Z")));

    let mut future = r.clone();
    future.detected_at = at("2025-01-26T00:00:00Z");
    future.description = "  ".into();
    let errs = future.problems(at("2025-01-25T17:00:00Z"));
    let fields: Vec<&str> = errs.0.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["description", "detected_at"]);

    // Bad values are refused at the edge by the domain types.
    let mut bad = form();
    bad["reporter"]["email"] = "not-an-email".into();
    assert!(serde_json::from_value::<InitialReport>(bad).is_err());
    let mut bad = form();
    bad["system"]["level"] = 7.into();
    assert!(serde_json::from_value::<InitialReport>(bad).is_err());
    let mut bad = form();
    bad["class"] = "alien".into();
    assert!(serde_json::from_value::<InitialReport>(bad).is_err());
}

#[test]
fn evidence_is_identified_by_sha256() {
    let mut h = EvidenceHasher::new();
    h.update(b"GET /shell.php ");
    h.update(b"HTTP/1.1");
    let e = Evidence::new("access.log", h, at("2025-01-26T01:00:00Z"), "user:nva").unwrap();
    assert_eq!(e.size, 23);
    assert_eq!(e.sha256, Sha256Digest::of(b"GET /shell.php HTTP/1.1"));
    assert!(e.verify(b"GET /shell.php HTTP/1.1"));
    assert!(!e.verify(b"GET /shell.php HTTP/1.0"));
    let empty = Sha256Digest::of(b"");
    assert_eq!(
        empty.to_string(),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    assert_eq!(empty.to_string().parse::<Sha256Digest>().unwrap(), empty);
    assert!("abc".parse::<Sha256Digest>().is_err());
    let o = Observable::sha256(&empty);
    assert_eq!(o.kind(), ObservableKind::Sha256);
    assert!(Evidence::new(
        "../../etc/passwd",
        EvidenceHasher::new(),
        at("2025-01-26T01:00:00Z"),
        "x"
    )
    .is_err());
    let j = serde_json::to_value(&e).unwrap();
    assert_eq!(serde_json::from_value::<Evidence>(j).unwrap(), e);
}
