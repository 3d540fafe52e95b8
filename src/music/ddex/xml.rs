//! A thin layer over `quick_xml::Writer` so the builder reads like the
//! message it writes.
//!
//! All text and attribute values go through quick-xml's escaping (`&`, `<`,
//! `>`, `'`, `"`); characters XML 1.0 cannot carry at all (most C0 control
//! characters) are refused instead of being written into a document no
//! parser would accept.

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};

use super::error::DdexError;

pub(super) struct XmlOut {
    w: Writer<Vec<u8>>,
}

impl XmlOut {
    /// A document with an XML declaration, indented by three spaces like
    /// DDEX's own samples.
    pub(super) fn new() -> Result<Self, DdexError> {
        let mut w = Writer::new_with_indent(Vec::new(), b' ', 3);
        w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
        Ok(XmlOut { w })
    }

    pub(super) fn open(&mut self, name: &str, attrs: &[(&str, &str)]) -> Result<(), DdexError> {
        let start = start(name, attrs)?;
        self.w.write_event(Event::Start(start))?;
        Ok(())
    }

    pub(super) fn close(&mut self, name: &str) -> Result<(), DdexError> {
        self.w.write_event(Event::End(BytesEnd::new(name)))?;
        Ok(())
    }

    /// `<name>text</name>`.
    pub(super) fn leaf(&mut self, name: &str, text: &str) -> Result<(), DdexError> {
        self.leaf_with(name, &[], text)
    }

    /// `<name a="v">text</name>`.
    pub(super) fn leaf_with(&mut self, name: &str, attrs: &[(&str, &str)], text: &str) -> Result<(), DdexError> {
        check_chars(name, text)?;
        self.w.write_event(Event::Start(start(name, attrs)?))?;
        self.w.write_event(Event::Text(BytesText::new(text)))?;
        self.w.write_event(Event::End(BytesEnd::new(name)))?;
        Ok(())
    }

    pub(super) fn finish(self) -> Result<String, DdexError> {
        let mut bytes = self.w.into_inner();
        bytes.push(b'\n');
        String::from_utf8(bytes).map_err(|e| DdexError::Xml(e.to_string()))
    }
}

fn start<'a>(name: &'a str, attrs: &[(&'a str, &'a str)]) -> Result<BytesStart<'a>, DdexError> {
    let mut s = BytesStart::new(name);
    for &(k, v) in attrs {
        check_chars(k, v)?;
        s.push_attribute((k, v));
    }
    Ok(s)
}

/// Refuses characters outside the XML 1.0 `Char` production.
fn check_chars(field: &str, text: &str) -> Result<(), DdexError> {
    let bad = text.chars().find(|&c| {
        let c = c as u32;
        (c < 0x20 && c != 0x9 && c != 0xA && c != 0xD) || c == 0xFFFE || c == 0xFFFF
    });
    match bad {
        Some(c) => Err(DdexError::Invalid {
            field: field.to_owned(),
            value: text.to_owned(),
            expected: if c == '\0' { "no NUL characters" } else { "no control characters (XML 1.0 cannot carry them)" },
        }),
        None => Ok(()),
    }
}
