//! The file frame of a streamed PDF: header, objects written as they are
//! finished, cross-reference table and trailer.
//!
//! pdf-writer's `Pdf` keeps the whole document in memory until `finish`;
//! writing each object straight to the output instead keeps memory flat for
//! large sheets, at the cost of writing the (simple) xref table here.

use std::io::{BufWriter, Write};

use pdf_writer::{Chunk, Ref};

use super::LabelError;

/// The output side of a streamed PDF: hands out object ids and remembers
/// where each object starts, for the cross-reference table.
pub(crate) struct Sink<W: Write> {
    out: BufWriter<W>,
    pos: usize,
    next_id: i32,
    /// Byte offset of each object, indexed by object id.
    offsets: Vec<usize>,
}

impl<W: Write> Sink<W> {
    pub fn new(out: W) -> Result<Self, LabelError> {
        // The comment of high bytes tells transfer tools the file is binary.
        const HEADER: &[u8] = b"%PDF-1.7\n%\x80\x80\x80\x80\n\n";
        let mut out = BufWriter::with_capacity(64 * 1024, out);
        out.write_all(HEADER)?;
        Ok(Sink {
            out,
            pos: HEADER.len(),
            next_id: 1,
            offsets: vec![0],
        })
    }

    pub fn alloc(&mut self) -> Ref {
        let id = Ref::new(self.next_id);
        self.next_id += 1;
        self.offsets.push(0);
        id
    }

    /// Writes `chunk`, which holds exactly the one object `id`.
    pub fn put(&mut self, id: Ref, chunk: Chunk) -> Result<(), LabelError> {
        debug_assert!(chunk.refs().eq([id]), "one object per chunk");
        if let Some(slot) = usize::try_from(id.get())
            .ok()
            .and_then(|i| self.offsets.get_mut(i))
        {
            *slot = self.pos;
        }
        self.out.write_all(chunk.as_bytes())?;
        self.pos += chunk.len();
        Ok(())
    }

    /// Pushes what is buffered to the output, so a finished page leaves
    /// memory before the next one is built.
    pub fn flush(&mut self) -> Result<(), LabelError> {
        self.out.flush()?;
        Ok(())
    }

    /// Writes the cross-reference table and trailer. Every allocated id has
    /// been written by now, so the table is one contiguous section.
    pub fn finish(mut self, catalog: Ref) -> Result<(), LabelError> {
        let xref = self.pos;
        let size = self.offsets.len();
        write!(self.out, "xref\n0 {size}\n0000000000 65535 f\r\n")?;
        for offset in self.offsets.iter().skip(1) {
            write!(self.out, "{offset:010} 00000 n\r\n")?;
        }
        write!(
            self.out,
            "trailer\n<< /Size {size} /Root {} 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            catalog.get()
        )?;
        self.out.flush()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xref_offsets_point_at_their_objects() {
        let mut out = Vec::new();
        let mut sink = Sink::new(&mut out).unwrap();
        let (a, b) = (sink.alloc(), sink.alloc());
        // Written out of id order, as the sheet writes its font last.
        for (id, value) in [(b, 2), (a, 1)] {
            let mut chunk = Chunk::new();
            chunk.indirect(id).primitive(value);
            sink.put(id, chunk).unwrap();
        }
        sink.finish(a).unwrap();

        // Offsets are byte positions; the header's binary marker is not
        // UTF-8, so compare bytes.
        let tail = String::from_utf8_lossy(&out[out.len() - 40..]).into_owned();
        let startxref: usize = tail
            .rsplit("startxref\n")
            .next()
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let xref = String::from_utf8_lossy(&out[startxref..]).into_owned();
        assert!(xref.starts_with("xref\n0 3\n0000000000 65535 f\r\n"));
        for (id, entry) in (1..).zip(xref.split("\r\n").skip(1).take(2)) {
            assert_eq!(entry.len(), 18, "20 bytes with the CR LF: {entry:?}");
            let offset: usize = entry[..10].parse().unwrap();
            assert!(out[offset..].starts_with(format!("{id} 0 obj").as_bytes()));
        }
        let text = xref;
        assert!(text.contains("/Size 3 /Root 1 0 R"));
        assert!(text.ends_with("%%EOF\n"));
    }
}
