//! [`EventBuf`]: a normalised event held in one reusable buffer, for readers
//! and scanners that go through millions of events without allocating.

use crate::event::{Event, SourceHint, Value, ValueRef};

#[derive(Clone, Copy, Debug)]
enum Kind {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str,
}

#[derive(Clone, Copy, Debug)]
struct Field {
    name: (u32, u32),
    val: (u32, u32),
    kind: Kind,
}

/// The same view as [`Event`] — named values in order, a field may repeat —
/// with names and text in one buffer that is cleared and refilled per event.
/// Filled by [`read::JsonEvents::next_into`](crate::read::JsonEvents::next_into)
/// or by hand; scanned by [`Scanner::scan_buf`](crate::Scanner::scan_buf).
#[derive(Clone, Debug, Default)]
pub struct EventBuf {
    text: String,
    fields: Vec<Field>,
    hint: SourceHint,
}

/// A buffer grown past this by one huge event is given back when cleared.
const KEEP_BYTES: usize = 1 << 20;

impl EventBuf {
    pub fn new() -> Self {
        Self::default()
    }

    /// Empties the buffer (keeping its memory unless one event made it large).
    pub fn clear(&mut self) {
        if self.text.capacity() > KEEP_BYTES {
            self.text = String::new();
        }
        if self.fields.capacity() > KEEP_BYTES / 16 {
            self.fields = Vec::new();
        }
        self.text.clear();
        self.fields.clear();
        self.hint = SourceHint::default();
    }

    /// Adds a value to a field.
    pub fn push(&mut self, name: &str, v: ValueRef<'_>) {
        let n0 = self.text.len() as u32;
        self.text.push_str(name);
        let n1 = self.text.len() as u32;
        let kind = match v {
            ValueRef::Null => Kind::Null,
            ValueRef::Bool(b) => Kind::Bool(b),
            ValueRef::Int(i) => Kind::Int(i),
            ValueRef::Float(f) => Kind::Float(f),
            ValueRef::Str(s) => {
                self.text.push_str(s);
                Kind::Str
            }
        };
        let v1 = self.text.len() as u32;
        self.fields.push(Field {
            name: (n0, n1),
            val: (n1, v1),
            kind,
        });
    }

    /// Number of values.
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    fn value(&self, f: &Field) -> ValueRef<'_> {
        match f.kind {
            Kind::Null => ValueRef::Null,
            Kind::Bool(b) => ValueRef::Bool(b),
            Kind::Int(i) => ValueRef::Int(i),
            Kind::Float(x) => ValueRef::Float(x),
            Kind::Str => ValueRef::Str(&self.text[f.val.0 as usize..f.val.1 as usize]),
        }
    }

    /// All fields in order, a field with several values appearing several times.
    pub fn fields(
        &self,
    ) -> impl DoubleEndedIterator<Item = (&str, ValueRef<'_>)> + ExactSizeIterator + '_ {
        self.fields.iter().map(|f| {
            (
                &self.text[f.name.0 as usize..f.name.1 as usize],
                self.value(f),
            )
        })
    }

    /// The first value of a field (name compared case-insensitively).
    pub fn get(&self, name: &str) -> Option<ValueRef<'_>> {
        self.fields()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }

    /// Declares the event's log source, as [`Event::with_source`] does.
    pub fn set_source(
        &mut self,
        product: Option<&str>,
        category: Option<&str>,
        service: Option<&str>,
    ) {
        self.hint = SourceHint {
            product: product.map(|s| s.to_ascii_lowercase().into()),
            category: category.map(|s| s.to_ascii_lowercase().into()),
            service: service.map(|s| s.to_ascii_lowercase().into()),
        };
    }

    pub fn source_hint(&self) -> &SourceHint {
        &self.hint
    }

    /// The owned event (for keeping it past the next record).
    pub fn to_event(&self) -> Event {
        let mut ev = Event::new();
        for (n, v) in self.fields() {
            ev.push(n, v.to_value());
        }
        ev.with_hint(self.hint.clone())
    }

    /// Fills the buffer from an owned event.
    pub fn fill_from(&mut self, ev: &Event) {
        self.clear();
        for (n, v) in ev.fields() {
            self.push(n, Value::as_ref(v));
        }
        self.hint = ev.source_hint().clone();
    }
}

impl crate::json::Sink for EventBuf {
    fn push_ref(&mut self, name: &str, v: ValueRef<'_>) {
        self.push(name, v);
    }
    fn copy_first(&mut self, from: &str, to: &str) {
        if self.get(to).is_some() {
            return;
        }
        let Some(f) = self
            .fields
            .iter()
            .find(|f| self.text[f.name.0 as usize..f.name.1 as usize].eq_ignore_ascii_case(from))
            .copied()
        else {
            return;
        };
        let n0 = self.text.len() as u32;
        self.text.push_str(to);
        let n1 = self.text.len() as u32;
        self.text
            .extend_from_within(f.val.0 as usize..f.val.1 as usize);
        let v1 = self.text.len() as u32;
        self.fields.push(Field {
            name: (n0, n1),
            val: (n1, v1),
            kind: f.kind,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let ev = Event::new()
            .with("Image", "C:\\a.exe")
            .with("EventID", 1i64)
            .with("x", Value::Null)
            .with("f", Value::Float(1.5))
            .with("b", true)
            .with_source(Some("Linux"), None, Some("auth"));
        let mut b = EventBuf::new();
        b.fill_from(&ev);
        assert_eq!(b.to_event(), ev);
        assert_eq!(b.get("image"), Some(ValueRef::Str("C:\\a.exe")));
        assert_eq!(b.len(), 5);
    }
}
