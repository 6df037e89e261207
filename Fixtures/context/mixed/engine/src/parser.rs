use crate::lexer::{Lexer, TokenKind};

#[derive(Debug, PartialEq)]
pub enum Expr {
    Number(f64),
    Variable(String),
    Binary(Box<Expr>, char, Box<Expr>),
}

pub struct Parser<'a> {
    lexer: Lexer<'a>,
    current: Option<TokenKind>,
}

impl<'a> Parser<'a> {
    pub fn new(source: &'a str) -> Self {
        let mut lexer = Lexer::new(source);
        let current = lexer.next_token();
        Parser { lexer, current }
    }

    fn advance(&mut self) {
        self.current = self.lexer.next_token();
    }

    fn primary(&mut self) -> Result<Expr, String> {
        match self.current.take() {
            Some(TokenKind::Number(n)) => { self.advance(); Ok(Expr::Number(n)) }
            Some(TokenKind::Ident(name)) => { self.advance(); Ok(Expr::Variable(name)) }
            other => Err(format!("unexpected {:?}", other)),
        }
    }
}

pub fn parse_expression(source: &str) -> Result<Expr, String> {
    let mut parser = Parser::new(source);
    let mut left = parser.primary()?;
    while let Some(op) = match parser.current { Some(TokenKind::Plus) => Some('+'), Some(TokenKind::Minus) => Some('-'), _ => None } {
        parser.advance();
        let right = parser.primary()?;
        left = Expr::Binary(Box::new(left), op, Box::new(right));
    }
    Ok(left)
}
