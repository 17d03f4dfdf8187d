#!/usr/bin/env bash
# Generates every kind of document canhgac writes from the demo province and
# opens each one in LibreOffice: converted to PDF, then to PNG pages (60 dpi)
# in target/document-pages/ to be looked at. Fails if a document cannot be
# generated or converted.
#
#   scripts/check-documents.sh            # build, seed, generate, convert
#   KEEP=1 scripts/check-documents.sh     # keep the data folder and the files
#
# Installs libreoffice-writer, libreoffice-calc and poppler-utils with apt-get
# when they are missing. Uses CARGO_TARGET_DIR if set.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
target=${CARGO_TARGET_DIR:-$root/target}
pages=$root/target/document-pages

need=()
command -v soffice >/dev/null || command -v libreoffice >/dev/null || need+=(libreoffice-writer libreoffice-calc)
command -v pdftoppm >/dev/null || need+=(poppler-utils)
command -v curl >/dev/null || need+=(curl)
if ((${#need[@]})); then
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y "${need[@]}"
fi
office=$(command -v soffice || command -v libreoffice)

cargo build -p canhgac
bin=$target/debug/canhgac

work=$(mktemp -d)
data=$work/data
out=$work/documents
mkdir -p "$out"
server=
cleanup() {
    if [[ -n $server ]]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
    if [[ -z ${KEEP:-} ]]; then rm -rf "$work"; else echo "kept $work" >&2; fi
}
trap cleanup EXIT
cg() { "$bin" --data-dir "$data" "$@"; }

echo "== seeding the demo province into $data"
cg demo >/dev/null

# --- botnet lists: two months of addresses in the province's blocks --------
cg export blocks --format csv -o "$work/blocks.csv"
python3 - "$work/blocks.csv" "$work" <<'EOF'
import csv, ipaddress, sys
rows = list(csv.reader(open(sys.argv[1], encoding="utf-8-sig")))[1:]
hosts = []
for org, cidr in rows:
    net = ipaddress.ip_network(cidr, strict=False)
    if net.version == 4:
        hosts.extend(str(h) for h in list(net.hosts())[:3])
first, second = hosts[: len(hosts) * 2 // 3], hosts[len(hosts) // 3 :]
open(sys.argv[2] + "/botnet-1.txt", "w").write("\n".join(first) + "\n")
open(sys.argv[2] + "/botnet-2.txt", "w").write("\n".join(second) + "\n")
EOF
cg botnet import "$work/botnet-1.txt" --source "Cục A05" --period 2026-10 >/dev/null
cg botnet import "$work/botnet-2.txt" --source "Cục A05" --period 2026-11 >/dev/null
list=$(cg botnet lists | awk '$1 ~ /^[0-9]+$/ && $1 > m { m = $1 } END { print m }')
[[ -n $list ]] || { echo "no botnet list" >&2; exit 1; }
cg botnet report "$list" -o "$out/botnet-report.docx"
cg botnet report "$list" -o "$out/botnet-report.xlsx"
cg botnet listings "$list" -o "$out/botnet-listings.xlsx"

# --- a warning of the Authority and its report ------------------------------
cg vuln import crates/vulnmatch/tests/data/nvd/*.json >/dev/null
cg vuln warning --number 1943/CV-A05 --date 01/11/2026 \
    --title "Cảnh báo lỗ hổng bảo mật ảnh hưởng cao" \
    --cve CVE-2021-44228,CVE-2022-1388,CVE-2023-22515 --publish >/dev/null
warning=$(cg vuln warnings | awk '$1 ~ /^[0-9]+$/ && $1 > m { m = $1 } END { print m }')
[[ -n $warning ]] || { echo "no warning" >&2; exit 1; }
cg vuln report --warning "$warning" -o "$out/warning-report.docx"
cg vuln report --warning "$warning" -o "$out/warning-report.xlsx"

# --- the periodic reports: province, and one organisation -------------------
cg report periodic --period 2026-H2 -o "$out/periodic-province.docx"
cg report periodic --period 2026-H2 -o "$out/periodic-province.xlsx"
cg report periodic --period 2026-H2 --org SYT -o "$out/periodic-syt.docx"

# --- an incident reported by the Sở Y tế, responded to and closed -----------
syt=$(cg user list | awk '$2 == "syt.officer" { sub("org#", "", $4); print $4 }')
cat >"$work/incident.json" <<EOF
{
  "reporter_org": {"id": $syt, "name": "Sở Y tế tỉnh Sơn Hà"},
  "reporter": {"name": "Nguyễn Văn An", "title": "Chuyên viên CNTT", "phone": "0255 3822 123", "email": "an@syt.sonha.gov.vn"},
  "title": "Máy chủ cổng thông tin bị cài mã độc",
  "description": "Phát hiện tiến trình lạ kết nối ra ngoài tới địa chỉ điều khiển của mạng botnet.",
  "detected_at": "2026-11-25T16:10:00Z",
  "reported_status": "handling",
  "class": "malware", "severity": "high", "tlp": "amber"
}
EOF
cg incident report "$work/incident.json" --as syt.officer >/dev/null
incident=$(cg incident list | awk '$1 ~ /^[0-9]+$/ { print $1; exit }')
[[ -n $incident ]] || { echo "no incident" >&2; exit 1; }
cg incident export --format xlsx -o "$out/incidents.xlsx"
cg incident end-report "$incident" -o /dev/null 2>/dev/null && { echo "an open incident has no end report" >&2; exit 1; }

# The response steps have no command: they go through the API.
token=$(cg token create --name documents --org SKHCN --role coordinator --days 1 | grep -o 'cgt_[A-Za-z0-9_-]*' | head -1)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# The binary itself in the background (not the `cg` function, whose
# subshell would be what `kill` stops, leaving the server running).
"$bin" --data-dir "$data" serve --listen "127.0.0.1:$port" >"$work/serve.log" 2>&1 &
server=$!
api=http://127.0.0.1:$port/api/v1
for _ in $(seq 900); do curl -fs "$api/me" -H "Authorization: Bearer $token" >/dev/null && break; sleep 0.2; done
call() { curl -fsS -X POST "$api$1" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -d "$2" >/dev/null; }
call "/incidents/$incident/transition" '{"action": "acknowledge"}'
call "/incidents/$incident/tasks" '{"title": "Cô lập máy chủ khỏi mạng", "owner": "syt.responder", "due_at": "2026-11-26T17:00:00+07:00"}'
call "/incidents/$incident/tasks" '{"title": "Thu thập bộ nhớ và nhật ký", "owner": "skhcn.admin"}'
call "/incidents/$incident/escalations" '{"to": "vncert", "on": "2026-11-26", "channel": "thư điện tử", "reference": "215/BC-SYT"}'
curl -fsS "$api/incidents/$incident/report.docx" -H "Authorization: Bearer $token" -o "$out/incident-initial.docx"
for action in start_response contain resolve; do
    call "/incidents/$incident/transition" "{\"action\": \"$action\"}"
done
call "/incidents/$incident/transition" '{"action": "close", "report": {
    "summary": "Gỡ mã độc, khôi phục từ bản sao lưu sạch ngày 24/11/2026.",
    "cause": "Mật khẩu quản trị yếu bị dò.",
    "measures": "Cô lập máy chủ, đổi toàn bộ mật khẩu, vá hệ điều hành.",
    "lessons": "Bắt buộc xác thực hai lớp cho SSH."}}'
get() { curl -fsS "$api$1" -H "Authorization: Bearer $token" -o "$2"; }
json() { curl -fsS "$api$1" -H "Authorization: Bearer $token" | python3 -c "import json, sys; d = json.load(sys.stdin); print($2)"; }

# --- the findings, the directive's matrix, a duty roster ---------------------
get "/vulns/findings.xlsx" "$out/findings.xlsx"
directive=$(json /directives 'd["items"][0]["id"]')
get "/directives/$directive/matrix.xlsx" "$out/directive-matrix.xlsx"
curl -fsS -X POST "$api/duty/periods" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    -d "{\"name\": \"Tết Nguyên đán Bính Ngọ 2026\", \"starts_at\": \"2026-02-13T17:00:00Z\",
         \"ends_at\": \"2026-02-22T17:00:00Z\", \"org_ids\": [$syt]}" >"$work/period.json"
period=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["id"])' "$work/period.json")
call "/duty/periods/$period/rosters/$syt/generate" '{"people": [
    {"name": "Nguyễn Văn An", "phone": "0905 123 456"},
    {"name": "Trần Thị Bình", "phone": "0912 345 678"},
    {"name": "Lê Văn Cường", "phone": "0987 654 321"}],
    "shift_hours": 12, "per_shift": 1, "mode": {"Continuous": {"handover": "07:30:00"}}}'
get "/duty/periods/$period/rosters/$syt/roster.xlsx" "$out/duty-roster.xlsx"

kill "$server"; wait "$server" 2>/dev/null || true; server=
cg incident end-report "$incident" -o "$out/incident-end.docx"

# --- registry exports --------------------------------------------------------
for kind in orgs systems assets blocks; do
    cg export "$kind" --format xlsx -o "$out/export-$kind.xlsx"
done

# --- LibreOffice: every file to PDF, every page to PNG ----------------------
rm -rf "$pages"
mkdir -p "$pages"
profile=$work/lo-profile
failed=0
for file in "$out"/*; do
    name=$(basename "${file%.*}")
    kind=${file##*.}
    if ! timeout 180 "$office" -env:UserInstallation="file://$profile" --headless \
        --convert-to pdf --outdir "$work/pdf/$kind" "$file" >"$work/convert.log" 2>&1 \
        || [[ ! -s $work/pdf/$kind/$name.pdf ]]; then
        echo "FAILED to convert $name.$kind:" >&2
        cat "$work/convert.log" >&2
        failed=1
        continue
    fi
    pdftoppm -png -r 60 "$work/pdf/$kind/$name.pdf" "$pages/$name-$kind"
    echo "$name.$kind: $(ls "$pages" | grep -c "^$name-$kind") page(s)"
done
if [[ -n ${KEEP:-} ]]; then cp -r "$out" "$pages/files"; cp -r "$work/pdf" "$pages/pdf"; fi
((failed == 0)) || exit 1
echo "pages in $pages"
