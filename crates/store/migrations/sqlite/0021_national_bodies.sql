-- Installation settings, one JSON document per key, edited by the
-- coordinator and audited. 'national_bodies' names the bodies that issue
-- vulnerability warnings and receive incident reports (domain::NationalBodies):
-- data, because they changed on 1 March 2025 and may change again.
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- Today's bodies (since 1 March 2025 the Ministry of Public Security's
-- Department of Cyber Security and High-Tech Crime Prevention, A05, holds the
-- former Authority of Information Security's duties). Not confirmed: the
-- console asks the installer to check them.
INSERT INTO settings (key, value, updated_by, updated_at) VALUES
 ('national_bodies', '{"warning_issuer":{"name":"Cục An ninh mạng và phòng, chống tội phạm sử dụng công nghệ cao, Bộ Công an","short":"Cục A05"},"incident_recipients":[{"code":"vncert","name":"Trung tâm Ứng cứu khẩn cấp không gian mạng Việt Nam (VNCERT/CC)","short":"VNCERT/CC"},{"code":"ncsc","name":"Trung tâm Giám sát an toàn không gian mạng quốc gia (NCSC)","short":"NCSC"}],"confirmed":false}', 'system', '2026-01-01T00:00:00Z');

-- The national entries of the contact directory seeded in 0010 name the
-- bodies of 2024; those nobody has edited since are renamed to today's and
-- marked for the installer to confirm their numbers.
UPDATE contacts SET
  name = 'Cục An ninh mạng và phòng, chống tội phạm sử dụng công nghệ cao (A05), Bộ Công an',
  title = 'Quản lý nhà nước về an toàn thông tin mạng; cảnh báo lỗ hổng',
  phone = NULL, hotline = NULL, email = NULL,
  note = 'Cần xác nhận: điền số điện thoại, thư điện tử đầu mối (thay Cục An toàn thông tin từ 01/3/2025)'
WHERE category = 'national' AND updated_by = 'system' AND name LIKE 'Cục An toàn thông tin%';
UPDATE contacts SET
  note = 'Cần xác nhận: số điện thoại, thư điện tử từ năm 2024, trước khi chuyển về Bộ Công an (01/3/2025). Đường dây nóng ứng cứu sự cố'
WHERE category = 'national' AND updated_by = 'system' AND name LIKE '%(VNCERT/CC)';
UPDATE contacts SET
  note = 'Cần xác nhận: số điện thoại, thư điện tử từ năm 2024, trước khi chuyển về Bộ Công an (01/3/2025). Đường dây nóng hỗ trợ giám sát, cảnh báo sớm'
WHERE category = 'national' AND updated_by = 'system' AND name LIKE '%(NCSC)';
