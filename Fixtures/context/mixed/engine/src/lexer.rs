#[derive(Debug, Clone, PartialEq)]
pub enum TokenKind {
    Number(f64),
    Ident(String),
    Plus,
    Minus,
    Star,
    Slash,
    LParen,
    RParen,
}

pub struct Lexer<'a> {
    chars: std::iter::Peekable<std::str::Chars<'a>>,
}

impl<'a> Lexer<'a> {
    pub fn new(source: &'a str) -> Self {
        Lexer { chars: source.chars().peekable() }
    }

    pub fn next_token(&mut self) -> Option<TokenKind> {
        while let Some(c) = self.chars.peek().copied() {
            if c.is_whitespace() { self.chars.next(); } else { break; }
        }
        let c = self.chars.next()?;
        Some(match c {
            '+' => TokenKind::Plus,
            '-' => TokenKind::Minus,
            '*' => TokenKind::Star,
            '/' => TokenKind::Slash,
            '(' => TokenKind::LParen,
            ')' => TokenKind::RParen,
            d if d.is_ascii_digit() => self.number(d),
            _ => self.ident(c),
        })
    }

    fn number(&mut self, first: char) -> TokenKind {
        let mut text = first.to_string();
        while let Some(c) = self.chars.peek().copied() {
            if c.is_ascii_digit() || c == '.' { text.push(c); self.chars.next(); } else { break; }
        }
        TokenKind::Number(text.parse().unwrap_or(0.0))
    }

    fn ident(&mut self, first: char) -> TokenKind {
        let mut text = first.to_string();
        while let Some(c) = self.chars.peek().copied() {
            if c.is_alphanumeric() { text.push(c); self.chars.next(); } else { break; }
        }
        TokenKind::Ident(text)
    }
}
