//! `sasl.jaas.config`: a tokenizer and parser for one JAAS login module entry, as Kafka's
//! JaasConfig reads it. `java.rs` uses it to translate PLAIN and SCRAM logins; `init` to read
//! a MirrorMaker 2 configuration's credentials.

/// One JAAS login module entry: `Module flag name="value" ...;`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JaasConfig {
    pub module: String,
    pub flag: String,
    /// In order of appearance; a repeated name keeps its last value (as in Java).
    pub options: Vec<(String, String)>,
}

impl JaasConfig {
    pub fn option(&self, name: &str) -> Option<&str> {
        self.options
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Word(String),
    Quoted(String),
    Symbol(char),
}

/// Parse `sasl.jaas.config` as Kafka's JaasConfig does (java.io.StreamTokenizer rules):
/// words, `"..."` or `'...'` strings with backslash escapes, `//` and `/* */` comments, and
/// exactly one login module (a client takes one). The final `;` may be left out. Messages
/// never quote the text: it holds a password.
pub fn parse_jaas(text: &str) -> Result<JaasConfig, String> {
    let tokens = tokenize(text)?;
    let mut tokens = tokens.into_iter().peekable();
    let mut modules = Vec::new();
    while tokens.peek().is_some() {
        let Some(Token::Word(module)) = tokens.next() else {
            return Err("expected a login module class name".into());
        };
        let Some(Token::Word(flag)) = tokens.next() else {
            return Err(format!(
                "expected a control flag (required, requisite, sufficient or optional) after {module}"
            ));
        };
        if !["required", "requisite", "sufficient", "optional"]
            .iter()
            .any(|f| f.eq_ignore_ascii_case(&flag))
        {
            return Err(format!(
                "expected a control flag (required, requisite, sufficient or optional) after {module}"
            ));
        }
        let mut options: Vec<(String, String)> = Vec::new();
        loop {
            match tokens.next() {
                None | Some(Token::Symbol(';')) => break,
                Some(Token::Word(name)) => {
                    if tokens.next() != Some(Token::Symbol('=')) {
                        return Err(format!(
                            "option {} of {module}: expected name=value",
                            options.len() + 1
                        ));
                    }
                    match tokens.next() {
                        Some(Token::Word(value) | Token::Quoted(value)) => {
                            options.push((name, value))
                        }
                        _ => {
                            return Err(format!(
                                "option {} of {module}: no value after =",
                                options.len() + 1
                            ))
                        }
                    }
                }
                Some(_) => {
                    return Err(format!(
                        "option {} of {module}: expected name=value or the final `;`",
                        options.len() + 1
                    ))
                }
            }
        }
        modules.push(JaasConfig {
            module,
            flag,
            options,
        });
    }
    match modules.len() {
        0 => Err("no login module".into()),
        1 => Ok(modules.pop().expect("one module")),
        n => Err(format!("{n} login modules; a client takes exactly one")),
    }
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '.' | '-' | '_' | '$') || (c as u32) >= 0xA0
}

fn tokenize(text: &str) -> Result<Vec<Token>, String> {
    let mut tokens = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() || c.is_control() => {}
            '/' if chars.peek() == Some(&'/') => {
                for c in chars.by_ref() {
                    if c == '\n' || c == '\r' {
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                let mut previous = ' ';
                let mut closed = false;
                for c in chars.by_ref() {
                    if previous == '*' && c == '/' {
                        closed = true;
                        break;
                    }
                    previous = c;
                }
                if !closed {
                    return Err("unterminated /* comment".into());
                }
            }
            '"' | '\'' => tokens.push(Token::Quoted(quoted(c, &mut chars)?)),
            c if is_word_char(c) => {
                let mut word = String::from(c);
                while let Some(&next) = chars.peek() {
                    if !is_word_char(next) {
                        break;
                    }
                    word.push(next);
                    chars.next();
                }
                tokens.push(Token::Word(word));
            }
            '=' | ';' => tokens.push(Token::Symbol(c)),
            _ => return Err("unexpected character (quote values that contain punctuation)".into()),
        }
    }
    Ok(tokens)
}

/// The rest of a quoted string after its opening `quote`, escapes resolved.
fn quoted(
    quote: char,
    chars: &mut std::iter::Peekable<std::str::Chars<'_>>,
) -> Result<String, String> {
    let mut value = String::new();
    loop {
        let Some(c) = chars.next() else {
            return Err("a quoted value is not closed".into());
        };
        match c {
            c if c == quote => return Ok(value),
            '\n' | '\r' => {
                return Err("a quoted value is not closed before the end of a line".into())
            }
            '\\' => {
                let Some(escaped) = chars.next() else {
                    return Err("a quoted value is not closed".into());
                };
                match escaped {
                    'a' => value.push('\u{7}'),
                    'b' => value.push('\u{8}'),
                    'f' => value.push('\u{c}'),
                    'n' => value.push('\n'),
                    'r' => value.push('\r'),
                    't' => value.push('\t'),
                    'v' => value.push('\u{b}'),
                    '0'..='7' => {
                        // Up to three octal digits (at most \377), as StreamTokenizer reads.
                        let mut code = escaped.to_digit(8).expect("octal");
                        let max_digits = if escaped <= '3' { 3 } else { 2 };
                        for _ in 1..max_digits {
                            match chars.peek().and_then(|c| c.to_digit(8)) {
                                Some(digit) => {
                                    code = code * 8 + digit;
                                    chars.next();
                                }
                                None => break,
                            }
                        }
                        value.push(char::from_u32(code).expect("at most 0o377"));
                    }
                    other => value.push(other),
                }
            }
            other => value.push(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_jaas_options_in_any_order_with_escapes() {
        let config = parse_jaas(
            r#"org.apache.kafka.common.security.plain.PlainLoginModule required password="p\"a;s s\\w=d" username=app;"#,
        )
        .unwrap();
        assert_eq!(
            config.module,
            "org.apache.kafka.common.security.plain.PlainLoginModule"
        );
        assert_eq!(config.flag, "required");
        assert_eq!(config.option("username"), Some("app"));
        assert_eq!(config.option("password"), Some("p\"a;s s\\w=d"));

        let config = parse_jaas(
            "  org.apache.kafka.common.security.scram.ScramLoginModule  REQUIRED\n /* c */ username='u' // note\n password = 'x\\101\\tz' ",
        )
        .unwrap();
        assert_eq!(config.option("password"), Some("xA\tz"));
        assert_eq!(config.option("username"), Some("u"));
    }

    #[test]
    fn rejects_broken_jaas_without_quoting_it() {
        for (text, reason) in [
            ("", "no login module"),
            ("M required password=\"secret", "not closed"),
            ("M username=\"u\";", "control flag"),
            ("M required password;", "option 1 of M: expected name=value"),
            ("M required password=;", "no value"),
            ("M required a=b; N required c=d;", "2 login modules"),
            ("M required password=se@cret;", "unexpected character"),
            ("M required /* password=\"x\"", "unterminated"),
        ] {
            let error = parse_jaas(text).unwrap_err();
            assert!(error.contains(reason), "{text:?}: {error}");
            assert!(
                !error.contains("secret") && !error.contains("cret"),
                "{error}"
            );
        }
    }
}
