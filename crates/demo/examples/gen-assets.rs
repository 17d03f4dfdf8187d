//! Writes N synthetic asset rows of the demo province as CSV to standard
//! output, for the import benchmark: `cargo run --release -p demo --example
//! gen-assets -- 100000 > assets.csv`.

use std::io::{BufWriter, Write};

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let seed: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(2025);
    let province = demo::generate(seed);
    let mut out = BufWriter::new(std::io::stdout().lock());
    writeln!(out, "{}", demo::bulk::ASSET_COLUMNS.join(","))?;
    for row in demo::bulk::asset_rows(&province, n) {
        let fields: Vec<String> = row.iter().map(|f| demo::bulk::csv_field(f)).collect();
        writeln!(out, "{}", fields.join(","))?;
    }
    out.flush()
}
