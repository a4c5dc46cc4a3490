//! MirrorMaker 2's record formats (connect/mirror-client: Checkpoint, OffsetSync, Heartbeat).
//! Big-endian; a STRING is an INT16 length and UTF-8 bytes, not nullable.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub group: String,
    /// The target-side topic name (after the replication policy renames it).
    pub topic: String,
    pub partition: i32,
    pub upstream_offset: i64,
    /// Where the group should resume on the target.
    pub downstream_offset: i64,
    pub metadata: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OffsetSync {
    pub topic: String,
    pub partition: i32,
    pub upstream_offset: i64,
    pub downstream_offset: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heartbeat {
    pub source_alias: String,
    pub target_alias: String,
    pub timestamp: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError(pub String);

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
    what: &'static str,
}

impl<'a> Reader<'a> {
    fn new(bytes: &'a [u8], what: &'static str) -> Self {
        Reader { bytes, at: 0, what }
    }

    fn take(&mut self, n: usize, field: &str) -> Result<&'a [u8], DecodeError> {
        let end = self
            .at
            .checked_add(n)
            .filter(|end| *end <= self.bytes.len());
        let Some(end) = end else {
            return Err(DecodeError(format!(
                "{}: truncated at byte {} reading {field} ({} bytes long)",
                self.what,
                self.at,
                self.bytes.len()
            )));
        };
        let slice = &self.bytes[self.at..end];
        self.at = end;
        Ok(slice)
    }

    fn i16(&mut self, field: &str) -> Result<i16, DecodeError> {
        Ok(i16::from_be_bytes(
            self.take(2, field)?.try_into().expect("2 bytes"),
        ))
    }

    fn i32(&mut self, field: &str) -> Result<i32, DecodeError> {
        Ok(i32::from_be_bytes(
            self.take(4, field)?.try_into().expect("4 bytes"),
        ))
    }

    fn i64(&mut self, field: &str) -> Result<i64, DecodeError> {
        Ok(i64::from_be_bytes(
            self.take(8, field)?.try_into().expect("8 bytes"),
        ))
    }

    fn string(&mut self, field: &str) -> Result<String, DecodeError> {
        let length = self.i16(field)?;
        if length < 0 {
            return Err(DecodeError(format!(
                "{}: {field} has negative length {length}",
                self.what
            )));
        }
        let bytes = self.take(length as usize, field)?;
        String::from_utf8(bytes.to_vec())
            .map_err(|_| DecodeError(format!("{}: {field} is not UTF-8", self.what)))
    }

    /// Trailing bytes mean this is not the format we think it is.
    fn finish(self) -> Result<(), DecodeError> {
        if self.at == self.bytes.len() {
            Ok(())
        } else {
            Err(DecodeError(format!(
                "{}: {} unexpected trailing byte(s)",
                self.what,
                self.bytes.len() - self.at
            )))
        }
    }
}

pub fn decode_checkpoint(key: &[u8], value: &[u8]) -> Result<Checkpoint, DecodeError> {
    let mut k = Reader::new(key, "checkpoint key");
    let group = k.string("group")?;
    let topic = k.string("topic")?;
    let partition = k.i32("partition")?;
    k.finish()?;
    let mut v = Reader::new(value, "checkpoint value");
    let version = v.i16("version")?;
    if version != 0 {
        return Err(DecodeError(format!(
            "checkpoint value: unsupported version {version}"
        )));
    }
    let upstream_offset = v.i64("upstreamOffset")?;
    let downstream_offset = v.i64("offset")?;
    let metadata = v.string("metadata")?;
    v.finish()?;
    Ok(Checkpoint {
        group,
        topic,
        partition,
        upstream_offset,
        downstream_offset,
        metadata,
    })
}

pub fn decode_offset_sync(key: &[u8], value: &[u8]) -> Result<OffsetSync, DecodeError> {
    let mut k = Reader::new(key, "offset sync key");
    let topic = k.string("topic")?;
    let partition = k.i32("partition")?;
    k.finish()?;
    let mut v = Reader::new(value, "offset sync value");
    let upstream_offset = v.i64("upstreamOffset")?;
    let downstream_offset = v.i64("offset")?;
    v.finish()?;
    Ok(OffsetSync {
        topic,
        partition,
        upstream_offset,
        downstream_offset,
    })
}

pub fn decode_heartbeat(key: &[u8], value: &[u8]) -> Result<Heartbeat, DecodeError> {
    let mut k = Reader::new(key, "heartbeat key");
    let source_alias = k.string("sourceClusterAlias")?;
    let target_alias = k.string("targetClusterAlias")?;
    k.finish()?;
    let mut v = Reader::new(value, "heartbeat value");
    let _version = v.i16("version")?;
    let timestamp = v.i64("timestamp")?;
    v.finish()?;
    Ok(Heartbeat {
        source_alias,
        target_alias,
        timestamp,
    })
}

/// An INT16-length string; Kafka's names are far shorter, and longer text is cut at a char
/// boundary rather than wrapping the length.
fn put_string(out: &mut Vec<u8>, s: &str) {
    let mut end = s.len().min(i16::MAX as usize);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    out.extend((end as i16).to_be_bytes());
    out.extend(&s.as_bytes()[..end]);
}

impl Checkpoint {
    /// The record key and value MirrorMaker 2 writes for this checkpoint.
    pub fn encode(&self) -> (Vec<u8>, Vec<u8>) {
        let mut key = Vec::new();
        put_string(&mut key, &self.group);
        put_string(&mut key, &self.topic);
        key.extend(self.partition.to_be_bytes());
        let mut value = Vec::new();
        value.extend(0i16.to_be_bytes());
        value.extend(self.upstream_offset.to_be_bytes());
        value.extend(self.downstream_offset.to_be_bytes());
        put_string(&mut value, &self.metadata);
        (key, value)
    }
}

impl OffsetSync {
    pub fn encode(&self) -> (Vec<u8>, Vec<u8>) {
        let mut key = Vec::new();
        put_string(&mut key, &self.topic);
        key.extend(self.partition.to_be_bytes());
        let mut value = Vec::new();
        value.extend(self.upstream_offset.to_be_bytes());
        value.extend(self.downstream_offset.to_be_bytes());
        (key, value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(text: &str) -> Vec<u8> {
        text.split_whitespace()
            .map(|b| u8::from_str_radix(b, 16).unwrap())
            .collect()
    }

    /// The worked example from the MM2 reference: group g1, topic src.t, partition 3,
    /// upstream 100, offset 42, metadata "".
    #[test]
    fn golden_checkpoint_bytes() {
        let key = hex("00 02 67 31 00 05 73 72 63 2e 74 00 00 00 03");
        let value = hex("00 00 00 00 00 00 00 00 00 64 00 00 00 00 00 00 00 2a 00 00");
        let checkpoint = decode_checkpoint(&key, &value).unwrap();
        assert_eq!(
            checkpoint,
            Checkpoint {
                group: "g1".into(),
                topic: "src.t".into(),
                partition: 3,
                upstream_offset: 100,
                downstream_offset: 42,
                metadata: String::new(),
            }
        );
        assert_eq!(checkpoint.encode(), (key, value));
    }

    #[test]
    fn rejects_other_versions_truncation_and_trailing_bytes() {
        let (key, mut value) = Checkpoint {
            group: "g".into(),
            topic: "t".into(),
            partition: 0,
            upstream_offset: 1,
            downstream_offset: 1,
            metadata: "m".into(),
        }
        .encode();
        assert!(decode_checkpoint(&key, &value[..value.len() - 1])
            .unwrap_err()
            .0
            .contains("truncated"));
        assert!(decode_checkpoint(&key[..3], &value).is_err());
        let mut longer = value.clone();
        longer.push(0);
        assert!(decode_checkpoint(&key, &longer)
            .unwrap_err()
            .0
            .contains("trailing"));
        value[1] = 1;
        assert!(decode_checkpoint(&key, &value)
            .unwrap_err()
            .0
            .contains("version 1"));
        assert!(decode_checkpoint(&[], &[]).is_err());
    }

    #[test]
    fn offset_sync_and_heartbeat_round_trip() {
        let sync = OffsetSync {
            topic: "orders".into(),
            partition: 7,
            upstream_offset: 1000,
            downstream_offset: 990,
        };
        let (key, value) = sync.encode();
        assert_eq!(value.len(), 16);
        assert_eq!(decode_offset_sync(&key, &value).unwrap(), sync);
        let mut key = Vec::new();
        put_string(&mut key, "old");
        put_string(&mut key, "new");
        let mut value = 0i16.to_be_bytes().to_vec();
        value.extend(1_700_000_000_000i64.to_be_bytes());
        let heartbeat = decode_heartbeat(&key, &value).unwrap();
        assert_eq!(
            (heartbeat.source_alias.as_str(), heartbeat.timestamp),
            ("old", 1_700_000_000_000)
        );
    }
}
