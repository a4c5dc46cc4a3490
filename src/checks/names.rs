//! Interned names: each topic or group name stored once and referred to by a small number,
//! so per-group-partition records are fixed-size (a 2,000-partition estate's 100,000
//! checkpoints name 40 topics and 200 groups; issue 14).

use std::collections::HashMap;

#[derive(Debug, Default)]
pub struct Names(HashMap<Box<str>, u32>);

impl Names {
    /// The number of `name`, given it one when it has none yet.
    pub fn id(&mut self, name: &str) -> u32 {
        if let Some(id) = self.0.get(name) {
            return *id;
        }
        let id = u32::try_from(self.0.len()).expect("fewer than 4 billion names");
        self.0.insert(name.into(), id);
        id
    }

    /// The number of `name`, if it has one.
    pub fn find(&self, name: &str) -> Option<u32> {
        self.0.get(name).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_keeps_its_number() {
        let mut names = Names::default();
        let a = names.id("orders");
        let b = names.id("billing");
        assert_ne!(a, b);
        assert_eq!(names.id("orders"), a);
        assert_eq!(names.find("billing"), Some(b));
        assert_eq!(names.find("shipping"), None);
    }
}
