//! `${VAR}` interpolation from the environment, for the `clusters` section only.

/// Why a value could not be interpolated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InterpolationError {
    Unset(String),
    Unterminated,
    BadName(String),
}

impl std::fmt::Display for InterpolationError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InterpolationError::Unset(name) => {
                write!(f, "environment variable {name} is not set")
            }
            InterpolationError::Unterminated => {
                write!(f, "unterminated ${{ (write $${{ for a literal ${{)")
            }
            InterpolationError::BadName(name) => write!(
                f,
                "`{name}` is not a variable name (letters, digits and _, not starting with a digit)"
            ),
        }
    }
}

/// The result: the text, and whether any variable was substituted (which makes it a secret).
pub struct Interpolated {
    pub value: String,
    pub substituted: bool,
    /// Each substituted variable's name and value, in order: secrets on their own too.
    pub variables: Vec<(String, String)>,
}

/// Replace `${NAME}` with the variable's value; `$${` is a literal `${`. Any other `$` is
/// kept, so passwords and shell-like text pass through.
pub fn interpolate(
    text: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Interpolated, Vec<InterpolationError>> {
    let mut value = String::with_capacity(text.len());
    let mut errors = Vec::new();
    let mut substituted = false;
    let mut variables = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        value.push_str(&rest[..at]);
        let after = &rest[at..];
        if let Some(tail) = after.strip_prefix("$${") {
            value.push_str("${");
            rest = tail;
        } else if let Some(tail) = after.strip_prefix("${") {
            let Some(end) = tail.find('}') else {
                errors.push(InterpolationError::Unterminated);
                rest = "";
                break;
            };
            let name = &tail[..end];
            if !is_variable_name(name) {
                errors.push(InterpolationError::BadName(name.to_string()));
            } else {
                match lookup(name) {
                    Some(found) => {
                        value.push_str(&found);
                        substituted = true;
                        variables.push((name.to_string(), found));
                    }
                    None => errors.push(InterpolationError::Unset(name.to_string())),
                }
            }
            rest = &tail[end + 1..];
        } else {
            value.push('$');
            rest = &after[1..];
        }
    }
    value.push_str(rest);
    if errors.is_empty() {
        Ok(Interpolated {
            value,
            substituted,
            variables,
        })
    } else {
        Err(errors)
    }
}

fn is_variable_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        match name {
            "USER_PW" => Some("s3cr$t".into()),
            "EMPTY" => Some(String::new()),
            _ => None,
        }
    }

    #[test]
    fn substitutes_variables_and_marks_them() {
        let out = interpolate("pw=${USER_PW}!", &env).unwrap();
        assert_eq!(out.value, "pw=s3cr$t!");
        assert!(out.substituted);
        assert_eq!(out.variables, vec![("USER_PW".into(), "s3cr$t".into())]);
        let plain = interpolate("a$b $$ c", &env).unwrap();
        assert_eq!(plain.value, "a$b $$ c");
        assert!(!plain.substituted);
    }

    #[test]
    fn escapes_and_empty_values() {
        assert_eq!(
            interpolate("$${USER_PW}", &env).unwrap().value,
            "${USER_PW}"
        );
        assert_eq!(interpolate("x${EMPTY}y", &env).unwrap().value, "xy");
    }

    #[test]
    fn reports_every_problem() {
        let errors = interpolate("${NOPE} ${1BAD} ${OPEN", &env).err().unwrap();
        assert_eq!(
            errors,
            vec![
                InterpolationError::Unset("NOPE".into()),
                InterpolationError::BadName("1BAD".into()),
                InterpolationError::Unterminated,
            ]
        );
    }
}
