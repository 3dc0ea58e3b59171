"""统一社会信用代码 (GB 32100-2015): validation with python-stdnum, messages in Chinese."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum.cn import uscc as stdnum_uscc
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength, ValidationError as StdnumError


def normalize_uscc(value: str) -> str:
    """Strip spaces and separators; keep the case so that lower case can be refused."""
    return stdnum_uscc.compact(value)


def check_uscc(value: str) -> str | None:
    """Return None when `value` is a valid code, else a Chinese message saying why not."""
    raw = "".join(value.split())
    if not raw:
        return _("统一社会信用代码不能为空。")
    if raw != raw.upper():
        return _("统一社会信用代码须使用大写字母。")
    try:
        stdnum_uscc.validate(raw)
    except InvalidLength:
        return _("统一社会信用代码应为18位，当前为%(n)d位。") % {"n": len(normalize_uscc(raw))}
    except InvalidChecksum:
        return _("统一社会信用代码校验位不正确。")
    except (InvalidFormat, InvalidComponent):
        return _("统一社会信用代码含有不允许的字符（不使用I、O、Z、S、V）或格式不正确。")
    except StdnumError:
        return _("统一社会信用代码格式不正确。")
    return None


def validate_uscc_field(value: str) -> None:
    """Django validator for model and form fields."""
    message = check_uscc(value)
    if message:
        raise ValidationError(message, code="invalid_uscc")
