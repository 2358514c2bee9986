//! Rate expressions: a tiny language of functions of the membrane potential `V` (mV).
//!
//! An expression is parsed once into an [`Expr`] tree, constants are substituted and folded,
//! and the tree is then turned into whatever an engine needs: `f64` values for lookup tables
//! ([`Expr::eval`]), Rust source for the compiled float kernels ([`Expr::to_rust`]) or, later,
//! CUDA C. Keeping the tree (rather than a closure) is what makes those targets possible.
//!
//! Grammar (usual precedence, `^` binds tightest and is right-associative, unary minus binds
//! looser than `^` so `-x^2 = -(x^2)`):
//!
//! ```text
//! expr   := term (('+' | '-') term)*
//! term   := unary (('*' | '/') unary)*
//! unary  := '-' unary | power
//! power  := atom ('^' unary)?
//! atom   := number | name | name '(' expr (',' expr)* ')' | '(' expr ')'
//! ```
//!
//! Names are `V` (or `v`) and the constants of the channel file. Functions: `exp`, `sqrt`,
//! `abs`, `tanh`, `min`, `max`, `exprel(x) = (exp(x)-1)/x` (Brian2's, 1 at 0) and
//! `vtrap(x, y) = x / (exp(x/y) - 1)` (NEURON's `hh.mod`, `y` at 0). Powers need a constant
//! integer exponent (`x^3`), which keeps every expression vectorizable and table-friendly.

use std::collections::BTreeMap;
use std::fmt;

/// Largest |exponent| accepted by `^`.
pub const MAX_POWER: i32 = 8;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Func {
    Exp,
    Sqrt,
    Abs,
    Tanh,
    Exprel,
    Vtrap,
    Min,
    Max,
}

impl Func {
    fn lookup(name: &str) -> Option<Func> {
        Some(match name {
            "exp" => Func::Exp,
            "sqrt" => Func::Sqrt,
            "abs" => Func::Abs,
            "tanh" => Func::Tanh,
            "exprel" => Func::Exprel,
            "vtrap" => Func::Vtrap,
            "min" => Func::Min,
            "max" => Func::Max,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Func::Exp => "exp",
            Func::Sqrt => "sqrt",
            Func::Abs => "abs",
            Func::Tanh => "tanh",
            Func::Exprel => "exprel",
            Func::Vtrap => "vtrap",
            Func::Min => "min",
            Func::Max => "max",
        }
    }

    pub fn arity(self) -> usize {
        match self {
            Func::Vtrap | Func::Min | Func::Max => 2,
            _ => 1,
        }
    }

    /// The function in `f64` with the platform's libm: the reference used for tables.
    pub fn apply_f64(self, args: &[f64]) -> f64 {
        match self {
            Func::Exp => args[0].exp(),
            Func::Sqrt => args[0].sqrt(),
            Func::Abs => args[0].abs(),
            Func::Tanh => args[0].tanh(),
            Func::Exprel => exprel_f64(args[0]),
            Func::Vtrap => args[1] / exprel_f64(args[0] / args[1]),
            Func::Min => args[0].min(args[1]),
            Func::Max => args[0].max(args[1]),
        }
    }
}

fn exprel_f64(x: f64) -> f64 {
    if x == 0.0 {
        1.0
    } else {
        x.exp_m1() / x
    }
}

/// A parsed rate expression. After [`Expr::parse`] it holds only numbers and `V`.
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    Num(f64),
    V,
    Neg(Box<Expr>),
    Bin(BinOp, Box<Expr>, Box<Expr>),
    /// `x^n` with a constant integer exponent.
    Powi(Box<Expr>, i32),
    Call(Func, Vec<Expr>),
}

/// A syntax or name error, with the character column (1-based) where it was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExprError {
    pub column: usize,
    pub message: String,
}

impl fmt::Display for ExprError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at column {})", self.message, self.column)
    }
}

impl Expr {
    /// Parses `text`, substituting `constants`, then folds every sub-tree that does not depend
    /// on `V` and turns division by a constant into multiplication by its reciprocal (so the
    /// float kernels never divide by a literal; every engine sees the same folded tree).
    pub fn parse(text: &str, constants: &BTreeMap<String, f64>) -> Result<Expr, ExprError> {
        let tokens = lex(text)?;
        let mut parser = Parser {
            tokens,
            pos: 0,
            constants,
            end_column: text.chars().count() + 1,
        };
        let expr = parser.expr()?;
        if let Some((tok, col)) = parser.tokens.get(parser.pos) {
            return Err(ExprError {
                column: *col,
                message: format!("unexpected {} after a complete expression", tok.describe()),
            });
        }
        Ok(expr.fold())
    }

    /// Value at membrane potential `v` (mV), in `f64` with libm.
    pub fn eval(&self, v: f64) -> f64 {
        match self {
            Expr::Num(c) => *c,
            Expr::V => v,
            Expr::Neg(a) => -a.eval(v),
            Expr::Bin(op, a, b) => {
                let (a, b) = (a.eval(v), b.eval(v));
                match op {
                    BinOp::Add => a + b,
                    BinOp::Sub => a - b,
                    BinOp::Mul => a * b,
                    BinOp::Div => a / b,
                }
            }
            Expr::Powi(a, n) => a.eval(v).powi(*n),
            Expr::Call(f, args) => {
                let vals: Vec<f64> = args.iter().map(|a| a.eval(v)).collect();
                f.apply_f64(&vals)
            }
        }
    }

    pub fn depends_on_v(&self) -> bool {
        match self {
            Expr::Num(_) => false,
            Expr::V => true,
            Expr::Neg(a) | Expr::Powi(a, _) => a.depends_on_v(),
            Expr::Bin(_, a, b) => a.depends_on_v() || b.depends_on_v(),
            Expr::Call(_, args) => args.iter().any(Expr::depends_on_v),
        }
    }

    fn fold(self) -> Expr {
        let folded = match self {
            Expr::Neg(a) => Expr::Neg(Box::new(a.fold())),
            Expr::Bin(op, a, b) => {
                let (a, b) = (a.fold(), b.fold());
                match (op, &b) {
                    (BinOp::Div, Expr::Num(c)) if *c != 0.0 && a.depends_on_v() => {
                        Expr::Bin(BinOp::Mul, Box::new(a), Box::new(Expr::Num(1.0 / c)))
                    }
                    _ => Expr::Bin(op, Box::new(a), Box::new(b)),
                }
            }
            Expr::Powi(a, n) => Expr::Powi(Box::new(a.fold()), n),
            Expr::Call(f, args) => Expr::Call(f, args.into_iter().map(Expr::fold).collect()),
            leaf => leaf,
        };
        if folded.depends_on_v() {
            folded
        } else {
            Expr::Num(folded.eval(0.0))
        }
    }

    /// Rust source for this expression over a type `R: Real` of the float engine, with the
    /// voltage in a variable `v`. Every operation maps to one operator or one `R::` function,
    /// in the same order as the engine's interpreter executes it, so compiled and interpreted
    /// kernels round identically.
    pub fn to_rust(&self) -> String {
        match self {
            Expr::Num(c) => format!("R::from_f64({c:?})"),
            Expr::V => "v".to_string(),
            Expr::Neg(a) => format!("(-{})", a.to_rust()),
            Expr::Bin(op, a, b) => {
                let sym = match op {
                    BinOp::Add => "+",
                    BinOp::Sub => "-",
                    BinOp::Mul => "*",
                    BinOp::Div => "/",
                };
                format!("({} {sym} {})", a.to_rust(), b.to_rust())
            }
            Expr::Powi(a, n) => format!("R::powi({}, {n})", a.to_rust()),
            Expr::Call(f, args) => {
                let args: Vec<String> = args.iter().map(Expr::to_rust).collect();
                format!("R::{}({})", f.name(), args.join(", "))
            }
        }
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Num(c) => write!(f, "{c:?}"),
            Expr::V => write!(f, "V"),
            Expr::Neg(a) => write!(f, "(-{a})"),
            Expr::Bin(op, a, b) => {
                let sym = match op {
                    BinOp::Add => "+",
                    BinOp::Sub => "-",
                    BinOp::Mul => "*",
                    BinOp::Div => "/",
                };
                write!(f, "({a} {sym} {b})")
            }
            Expr::Powi(a, n) => write!(f, "{a}^{n}"),
            Expr::Call(func, args) => {
                write!(f, "{}(", func.name())?;
                for (i, a) in args.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{a}")?;
                }
                write!(f, ")")
            }
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Token {
    Num(f64),
    Name(String),
    Op(char),
}

impl Token {
    fn describe(&self) -> String {
        match self {
            Token::Num(x) => format!("number {x}"),
            Token::Name(n) => format!("name '{n}'"),
            Token::Op(c) => format!("'{c}'"),
        }
    }
}

fn lex(text: &str) -> Result<Vec<(Token, usize)>, ExprError> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let column = i + 1;
        if c.is_whitespace() {
            i += 1;
        } else if c.is_ascii_digit() || c == '.' {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                i += 1;
            }
            if i < chars.len() && (chars[i] == 'e' || chars[i] == 'E') {
                let mut j = i + 1;
                if j < chars.len() && (chars[j] == '+' || chars[j] == '-') {
                    j += 1;
                }
                if j < chars.len() && chars[j].is_ascii_digit() {
                    i = j;
                    while i < chars.len() && chars[i].is_ascii_digit() {
                        i += 1;
                    }
                }
            }
            let s: String = chars[start..i].iter().collect();
            let value = s.parse::<f64>().map_err(|_| ExprError {
                column,
                message: format!("malformed number '{s}'"),
            })?;
            out.push((Token::Num(value), column));
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            out.push((Token::Name(chars[start..i].iter().collect()), column));
        } else if "+-*/^(),".contains(c) {
            out.push((Token::Op(c), column));
            i += 1;
        } else {
            return Err(ExprError {
                column,
                message: format!("unexpected character '{c}'"),
            });
        }
    }
    Ok(out)
}

struct Parser<'a> {
    tokens: Vec<(Token, usize)>,
    pos: usize,
    constants: &'a BTreeMap<String, f64>,
    end_column: usize,
}

impl Parser<'_> {
    fn peek_op(&self) -> Option<char> {
        match self.tokens.get(self.pos) {
            Some((Token::Op(c), _)) => Some(*c),
            _ => None,
        }
    }

    fn column(&self) -> usize {
        self.tokens
            .get(self.pos)
            .map_or(self.end_column, |(_, c)| *c)
    }

    fn error<T>(&self, message: String) -> Result<T, ExprError> {
        Err(ExprError {
            column: self.column(),
            message,
        })
    }

    fn expect(&mut self, op: char) -> Result<(), ExprError> {
        if self.peek_op() == Some(op) {
            self.pos += 1;
            Ok(())
        } else {
            let found = self
                .tokens
                .get(self.pos)
                .map_or("the end of the expression".to_string(), |(t, _)| {
                    t.describe()
                });
            self.error(format!("expected '{op}', found {found}"))
        }
    }

    fn expr(&mut self) -> Result<Expr, ExprError> {
        let mut lhs = self.term()?;
        while let Some(op @ ('+' | '-')) = self.peek_op() {
            self.pos += 1;
            let rhs = self.term()?;
            let op = if op == '+' { BinOp::Add } else { BinOp::Sub };
            lhs = Expr::Bin(op, Box::new(lhs), Box::new(rhs));
        }
        Ok(lhs)
    }

    fn term(&mut self) -> Result<Expr, ExprError> {
        let mut lhs = self.unary()?;
        while let Some(op @ ('*' | '/')) = self.peek_op() {
            self.pos += 1;
            let rhs = self.unary()?;
            let op = if op == '*' { BinOp::Mul } else { BinOp::Div };
            lhs = Expr::Bin(op, Box::new(lhs), Box::new(rhs));
        }
        Ok(lhs)
    }

    fn unary(&mut self) -> Result<Expr, ExprError> {
        if self.peek_op() == Some('-') {
            self.pos += 1;
            return Ok(Expr::Neg(Box::new(self.unary()?)));
        }
        if self.peek_op() == Some('+') {
            self.pos += 1;
            return self.unary();
        }
        self.power()
    }

    fn power(&mut self) -> Result<Expr, ExprError> {
        let base = self.atom()?;
        if self.peek_op() != Some('^') {
            return Ok(base);
        }
        self.pos += 1;
        let column = self.column();
        let exponent = self.unary()?.fold();
        match exponent {
            Expr::Num(n) if n.fract() == 0.0 && n.abs() <= f64::from(MAX_POWER) => {
                Ok(Expr::Powi(Box::new(base), n as i32))
            }
            other => Err(ExprError {
                column,
                message: format!(
                    "'^' needs a constant integer exponent between -{MAX_POWER} and {MAX_POWER}, \
                     got {other}"
                ),
            }),
        }
    }

    fn atom(&mut self) -> Result<Expr, ExprError> {
        let Some((token, column)) = self.tokens.get(self.pos).cloned() else {
            return self.error("expression ends where a value was expected".to_string());
        };
        self.pos += 1;
        match token {
            Token::Num(x) => Ok(Expr::Num(x)),
            Token::Op('(') => {
                let inner = self.expr()?;
                self.expect(')')?;
                Ok(inner)
            }
            Token::Op(c) => Err(ExprError {
                column,
                message: format!("expected a number, a name or '(' but found '{c}'"),
            }),
            Token::Name(name) => {
                if self.peek_op() == Some('(') {
                    return self.call(&name, column);
                }
                if name == "V" || name == "v" {
                    Ok(Expr::V)
                } else if let Some(value) = self.constants.get(&name) {
                    Ok(Expr::Num(*value))
                } else {
                    let mut known: Vec<&str> = vec!["V"];
                    known.extend(self.constants.keys().map(String::as_str));
                    Err(ExprError {
                        column,
                        message: format!("unknown variable '{name}' (known: {})", known.join(", ")),
                    })
                }
            }
        }
    }

    fn call(&mut self, name: &str, column: usize) -> Result<Expr, ExprError> {
        let Some(func) = Func::lookup(name) else {
            return Err(ExprError {
                column,
                message: format!(
                    "unknown function '{name}' (known: exp, sqrt, abs, tanh, exprel, vtrap, min, max)"
                ),
            });
        };
        self.expect('(')?;
        let mut args = vec![self.expr()?];
        while self.peek_op() == Some(',') {
            self.pos += 1;
            args.push(self.expr()?);
        }
        self.expect(')')?;
        if args.len() != func.arity() {
            return Err(ExprError {
                column,
                message: format!(
                    "{name}() takes {} argument(s), got {}",
                    func.arity(),
                    args.len()
                ),
            });
        }
        Ok(Expr::Call(func, args))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Expr, ExprError> {
        let mut c = BTreeMap::new();
        c.insert("VT".to_string(), -63.0);
        Expr::parse(s, &c)
    }

    #[test]
    fn precedence_and_associativity() {
        let e = parse("1 + 2 * V ^ 2").unwrap();
        assert_eq!(e.eval(3.0), 19.0);
        assert_eq!(parse("-V^2").unwrap().eval(3.0), -9.0);
        assert_eq!(parse("2^3^1").unwrap().eval(0.0), 8.0);
        assert_eq!(parse("(V - 1) / 4 - 1").unwrap().eval(9.0), 1.0);
        assert_eq!(parse("10 - 4 - 3").unwrap().eval(0.0), 3.0);
    }

    #[test]
    fn constants_substitute_and_fold() {
        let e = parse("(VT + 3) * 2 + V").unwrap();
        assert_eq!(
            e,
            Expr::Bin(BinOp::Add, Box::new(Expr::Num(-120.0)), Box::new(Expr::V))
        );
    }

    #[test]
    fn division_by_constant_becomes_multiplication() {
        let e = parse("V / 4").unwrap();
        assert_eq!(
            e,
            Expr::Bin(BinOp::Mul, Box::new(Expr::V), Box::new(Expr::Num(0.25)))
        );
        assert_eq!(parse("1 / V").unwrap().eval(4.0), 0.25);
    }

    #[test]
    fn vtrap_and_exprel_have_their_limits() {
        let vt = parse("vtrap(-(V + 40), 10)").unwrap();
        assert_eq!(vt.eval(-40.0), 10.0);
        let expect = 10.0 / (10.0f64 / 10.0).exp_m1();
        assert!((vt.eval(-50.0) - expect).abs() < 1e-12);
        assert_eq!(parse("exprel(V)").unwrap().eval(0.0), 1.0);
    }

    #[test]
    fn errors_point_at_the_problem() {
        let e = parse("exp(W + 1)").unwrap_err();
        assert_eq!(e.column, 5);
        assert!(e.message.contains("unknown variable 'W'"), "{e}");
        assert!(e.message.contains("VT"), "{e}");
        let e = parse("2 * (V + 1").unwrap_err();
        assert!(e.message.contains("expected ')'"), "{e}");
        let e = parse("V ^ 0.5").unwrap_err();
        assert!(e.message.contains("integer exponent"), "{e}");
        let e = parse("foo(V)").unwrap_err();
        assert!(e.message.contains("unknown function 'foo'"), "{e}");
        let e = parse("vtrap(V)").unwrap_err();
        assert!(e.message.contains("takes 2"), "{e}");
        let e = parse("V $ 2").unwrap_err();
        assert_eq!(e.column, 3);
        let e = parse("V 2").unwrap_err();
        assert!(e.message.contains("unexpected number"), "{e}");
        assert!(parse("").is_err());
    }

    #[test]
    fn rust_source_is_one_call_per_operation() {
        let e = parse("0.1 * vtrap(-(V + 40), 10)").unwrap();
        assert_eq!(
            e.to_rust(),
            "(R::from_f64(0.1) * R::vtrap((-(v + R::from_f64(40.0))), R::from_f64(10.0)))"
        );
    }
}
