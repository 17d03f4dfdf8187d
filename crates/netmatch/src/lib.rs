//! The botnet-list engine: who owns an address (longest-prefix match over
//! agency and ISP blocks), how to read the lists that name the addresses and
//! the operators' prefix lists, and which addresses are not worth matching at
//! all.
//!
//! ```
//! use netmatch::{classify, parse, Format, OwnerTable};
//!
//! let table = OwnerTable::build([
//!     ("14.160.0.0/11".parse().unwrap(), "VNPT", 10),
//!     ("14.177.64.16/28".parse().unwrap(), "UBND tỉnh", 0),
//! ]);
//! let list = b"# national list\n14.177.64.20\n192.168.1.5\n14.161.0.1 ; seen twice\n";
//! let format = Format::detect(list);
//! let mut owners = Vec::new();
//! for listing in parse(format, &list[..]) {
//!     let listing = listing.unwrap();
//!     if classify(listing.ip).is_some() {
//!         continue;
//!     }
//!     owners.push(table.lookup(listing.ip).map(|(owner, _)| *owner));
//! }
//! assert_eq!(owners, [Some("UBND tỉnh"), Some("VNPT")]);
//! ```

mod classify;
mod csv;
mod ipv4;
mod lines;
mod parse;
mod prefixes;
mod table;

pub use classify::classify;
pub use parse::{parse, parse_records, Format, LineError, Listing, Listings, Records};
pub use prefixes::{
    asn_from_file_name, parse_prefix_csv, parse_prefix_list, PrefixList, PrefixRow, PrefixRows,
};
pub use table::OwnerTable;
