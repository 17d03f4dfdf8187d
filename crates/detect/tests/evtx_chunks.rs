//! A chunk as Windows writes it: many records, later ones referring to the
//! template definitions of the first (also inside `EventData`, which is
//! BinXML of its own). The regression samples hold about one record a file,
//! so this is the reader's only test of records that reuse definitions.

use detect::read::EvtxEvents;
use detect::Event;
use std::path::Path;

fn read(path: &Path) -> Vec<Event> {
    let f = std::fs::File::open(path).expect("test file");
    let name = path.display().to_string();
    EvtxEvents::new(std::io::BufReader::new(f), &name)
        .map(|r| r.expect("every record reads"))
        .collect()
}

#[test]
fn records_that_reuse_template_definitions_read_as_the_one_that_defines_them() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let packed = read(&data.join("evtx-packed/sysmon-31-records.evtx"));
    let original = read(&data.join(
        "sigma-regression/rules-emerging-threats/2025/Malware/Shai-Hulud/\
         proc_creation_win_mal_shai_hulud_indicator/540703fb-a874-4385-a9d6-7cd1bfab268c.evtx",
    ));
    assert_eq!(original.len(), 1);
    assert_eq!(packed.len(), 31);
    // EventData's fields came through the nested template, not only System's.
    assert!(original[0].get_text("CommandLine").is_some());
    for (i, ev) in packed.iter().enumerate() {
        assert_eq!(ev, &original[0], "record {}", i + 1);
    }
}
