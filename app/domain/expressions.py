"""A small, safe expression language for rules and indicator formulas.

Text such as ``rd_expense / revenue * 100`` or ``revenue < main_revenue`` is
parsed with Python's own parser, checked against a whitelist (names, numbers,
strings, arithmetic, comparisons, and/or/not, ``x if c else y`` and calls of
functions the caller names) and compiled into a tree of closures. Nothing is
ever passed to ``eval``: attribute access, subscripts, lambdas, comprehensions
and unknown names are refused with a message that says what to change.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from app.domain.errors import BilingualError

MAX_LENGTH = 2000
MAX_DEPTH = 40
MAX_EXPONENT = 100

Env = Mapping[str, Any]
Node = Callable[[Env], Any]


class ExpressionError(BilingualError):
    """The text is not an acceptable expression; ``message_zh``/``message_en`` say why."""


class NoValue(ArithmeticError):
    """The expression has no value for this record (e.g. division by zero)."""


_BINARY = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Mod: operator.mod,
}
_COMPARE = {
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
}


def _divide(a, b):
    if b == 0:
        raise NoValue("division by zero")
    return a / b


def _power(a, b):
    if abs(b) > MAX_EXPONENT:
        raise NoValue("exponent too large")
    return a**b


@dataclass(frozen=True)
class Expression:
    text: str
    names: frozenset[str]  # variables the expression reads
    evaluate: Node  # env -> value


def compile_expression(
    text: str,
    variables: set[str] | frozenset[str],
    functions: Mapping[str, Callable] | None = None,
    constants: Mapping[str, Any] | None = None,
) -> Expression:
    """Parse and check ``text``; names must be ``variables`` (read from the env at
    evaluation time) or ``constants`` (fixed now, e.g. rule thresholds)."""
    if not isinstance(text, str) or not text.strip():
        raise ExpressionError("表达式为空。", "The expression is empty.")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"表达式过长（最多 {MAX_LENGTH} 个字符）。",
                              f"The expression is too long (at most {MAX_LENGTH} characters).")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except (RecursionError, MemoryError):
        raise ExpressionError("表达式嵌套过深。", "The expression is nested too deeply.") from None
    except SyntaxError as error:
        column = (error.offset or 0)
        raise ExpressionError(
            f"表达式写法有误（第 {column} 个字符附近）：请检查括号是否成对、运算符是否完整。",
            f"The expression cannot be read near character {column}: check that brackets "
            "pair up and that no operator is missing.",
        ) from None
    compiler = _Compiler(frozenset(variables), dict(functions or {}), dict(constants or {}))
    root = compiler.compile(tree.body, depth=0)
    return Expression(text, frozenset(compiler.used), root)


class _Compiler:
    def __init__(self, variables, functions, constants):
        self.variables = variables
        self.functions = functions
        self.constants = constants
        self.used: set[str] = set()

    def compile(self, node: ast.AST, depth: int) -> Node:
        if depth > MAX_DEPTH:
            raise ExpressionError("表达式嵌套过深。", "The expression is nested too deeply.")
        method = getattr(self, f"_{type(node).__name__}", None)
        if method is None:
            raise ExpressionError(
                f"表达式中不允许使用“{_describe(node)}”。",
                f"“{_describe(node)}” is not allowed in an expression.",
            )
        return method(node, depth + 1)

    def _Constant(self, node, depth):
        value = node.value
        if not isinstance(value, (int, float, str, bool, type(None))):
            raise ExpressionError("只能使用数字、文字和 True/False/None。",
                                  "Only numbers, text and True/False/None may be used.")
        return lambda env: value

    def _Name(self, node, depth):
        name = node.id
        if name in self.constants:
            value = self.constants[name]
            return lambda env: value
        if name in ("True", "False", "None"):
            value = {"True": True, "False": False, "None": None}[name]
            return lambda env: value
        if name.startswith("_") or name not in self.variables:
            raise ExpressionError(f"未知字段“{name}”：请从字段列表中选择。",
                                  f"Unknown field “{name}”: choose one from the field list.")
        self.used.add(name)
        return lambda env: env[name]

    def _Tuple(self, node, depth):
        items = [self.compile(e, depth) for e in node.elts]
        return lambda env: tuple(item(env) for item in items)

    _List = _Tuple

    def _UnaryOp(self, node, depth):
        operand = self.compile(node.operand, depth)
        if isinstance(node.op, ast.Not):
            return lambda env: not operand(env)
        if isinstance(node.op, ast.USub):
            return lambda env: -operand(env)
        if isinstance(node.op, ast.UAdd):
            return operand
        raise ExpressionError("不支持该运算符。", "This operator is not supported.")

    def _BinOp(self, node, depth):
        left, right = self.compile(node.left, depth), self.compile(node.right, depth)
        if isinstance(node.op, ast.Div):
            op = _divide
        elif isinstance(node.op, ast.Pow):
            if isinstance(node.right, ast.Constant) and isinstance(node.right.value, (int, float)) \
                    and abs(node.right.value) > MAX_EXPONENT:
                raise ExpressionError(f"乘方的指数不能超过 {MAX_EXPONENT}。",
                                      f"An exponent may not exceed {MAX_EXPONENT}.")
            op = _power
        elif type(node.op) in _BINARY:
            op = _BINARY[type(node.op)]
        else:
            raise ExpressionError("不支持该运算符：可用 + - * / % **。",
                                  "Unsupported operator: use + - * / % **.")
        return self._fused(node.left, node.right, left, right, op)

    def _fused(self, left_node, right_node, left, right, op) -> Node:
        """``op(left(env), right(env))`` with a field or a constant operand read in the same
        closure: a formula is evaluated for every record of a score run (100,000s), and
        ``a / b * 100`` then takes two calls instead of five."""
        if self._is_variable(left_node):
            a = left_node.id
            if self._is_variable(right_node):
                b = right_node.id
                return lambda env: op(env[a], env[b])
            is_constant, value = self._constant_of(right_node)
            if is_constant:
                return lambda env: op(env[a], value)
            return lambda env: op(env[a], right(env))
        is_constant, value = self._constant_of(right_node)
        if is_constant:
            return lambda env: op(left(env), value)
        if self._is_variable(right_node):
            b = right_node.id
            return lambda env: op(left(env), env[b])
        return lambda env: op(left(env), right(env))

    def _BoolOp(self, node, depth):
        # Nested pairs short-circuit like Python and avoid a generator per call.
        parts = [self.compile(v, depth) for v in node.values]
        combined = parts[-1]
        for part in reversed(parts[:-1]):
            if isinstance(node.op, ast.And):
                combined = (lambda a, b: lambda env: a(env) and b(env))(part, combined)
            else:
                combined = (lambda a, b: lambda env: a(env) or b(env))(part, combined)
        return combined

    def _Compare(self, node, depth):
        operands = [self.compile(node.left, depth)] + [self.compile(c, depth)
                                                       for c in node.comparators]
        ops = [_COMPARE.get(type(op)) for op in node.ops]
        if None in ops:
            raise ExpressionError("不支持该比较运算符：可用 < <= > >= == != in。",
                                  "Unsupported comparison: use < <= > >= == != in.")
        if len(ops) == 1:
            fast = self._fast_compare(node)
            if fast is not None:
                return fast
            left, right, op = operands[0], operands[1], ops[0]
            return lambda env: op(left(env), right(env))

        def chained(env):
            values = [operand(env) for operand in operands]
            return all(op(values[i], values[i + 1]) for i, op in enumerate(ops))

        return chained

    def _constant_of(self, node):
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
            return True, node.value
        if isinstance(node, ast.Name) and node.id in self.constants:
            value = self.constants[node.id]
            if isinstance(value, (int, float)):
                return True, value
        return False, None

    def _is_variable(self, node) -> bool:
        return (isinstance(node, ast.Name) and node.id in self.variables
                and node.id not in self.constants)

    def _fast_compare(self, node):
        """`field <op> number` and `field <op> field` in one closure: most rules are these."""
        if not self._is_variable(node.left):
            return None
        name = node.left.id
        right = node.comparators[0]
        if self._is_variable(right):
            other = right.id
            pairs = {
                ast.Lt: lambda: lambda env: env[name] < env[other],
                ast.LtE: lambda: lambda env: env[name] <= env[other],
                ast.Gt: lambda: lambda env: env[name] > env[other],
                ast.GtE: lambda: lambda env: env[name] >= env[other],
            }
            factory = pairs.get(type(node.ops[0]))
            return factory() if factory else None
        is_constant, value = self._constant_of(right)
        if not is_constant:
            return None
        factories = {
            ast.Lt: lambda: lambda env: env[name] < value,
            ast.LtE: lambda: lambda env: env[name] <= value,
            ast.Gt: lambda: lambda env: env[name] > value,
            ast.GtE: lambda: lambda env: env[name] >= value,
            ast.Eq: lambda: lambda env: env[name] == value,
            ast.NotEq: lambda: lambda env: env[name] != value,
        }
        factory = factories.get(type(node.ops[0]))
        return factory() if factory else None

    def _IfExp(self, node, depth):
        test, body, orelse = (self.compile(n, depth) for n in (node.test, node.body, node.orelse))
        return lambda env: body(env) if test(env) else orelse(env)

    def _Call(self, node, depth):
        if not isinstance(node.func, ast.Name) or node.func.id not in self.functions:
            name = node.func.id if isinstance(node.func, ast.Name) else _describe(node.func)
            allowed = "、".join(sorted(self.functions)) or "无"
            raise ExpressionError(
                f"不能调用“{name}”。可用的函数：{allowed}。",
                f"“{name}” cannot be called. Available functions: "
                f"{', '.join(sorted(self.functions)) or 'none'}.",
            )
        if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
            raise ExpressionError("函数参数只能按位置给出。",
                                  "Function arguments must be given by position.")
        function = self.functions[node.func.id]
        args = [self.compile(a, depth) for a in node.args]
        if node.args and all(self._is_variable(a) for a in node.args):
            names = [a.id for a in node.args]
            if len(names) == 1:
                name = names[0]
                return lambda env: function(env[name])
            getter = operator.itemgetter(*names)
            return lambda env: function(*getter(env))
        if len(args) == 1:
            (a,) = args
            return lambda env: function(a(env))
        if len(args) == 2:
            a, b = args
            return lambda env: function(a(env), b(env))
        return lambda env: function(*[arg(env) for arg in args])


def _describe(node: ast.AST) -> str:
    """A short, language-neutral name of a construct for messages."""
    symbols = {"Attribute": ".", "Subscript": "[ ]", "Dict": "{ }", "Set": "{ }",
               "NamedExpr": ":=", "Starred": "*", "JoinedStr": "f\"\""}
    return symbols.get(type(node).__name__, type(node).__name__)
