"""Fake applicants: names, resident ID numbers with valid check digits, phone numbers, companies.

Vectorised with numpy; the same generator state gives the same people.
"""

from __future__ import annotations

import numpy as np

SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)  # noqa: E501
GIVEN = list(
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬鹏辉建国志文斌浩宇欣怡梓涵子轩雨萱思远博文嘉怡俊杰晓东春梅海燕"
)  # noqa: E501
COMPANY_WORDS = list("川巴渠达通宏盛鑫源丰泰恒信华兴安康瑞祥博远汇德")
COMPANY_KINDS = ["建筑工程", "商贸", "农业开发", "物流", "餐饮管理", "科技", "医药", "劳务"]
ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
ID_CHECK = np.array(list("10X98765432"))
BIRTH_REGIONS = np.array(
    ["511702", "511703", "511722", "511723", "511724", "511725", "511781", "510107", "500112"]
)


def names(rng: np.random.Generator, n: int) -> np.ndarray:
    surname = rng.choice(SURNAMES, n)
    first = rng.choice(GIVEN, n)
    second = np.where(rng.random(n) < 0.7, rng.choice(GIVEN, n), "")
    return np.char.add(np.char.add(surname, first), second)


def id_numbers(rng: np.random.Generator, n: int) -> np.ndarray:
    region = rng.choice(BIRTH_REGIONS, n)
    birth = np.datetime64("1950-01-01") + rng.integers(0, 365 * 53, n).astype("timedelta64[D]")
    ymd = np.char.replace(np.datetime_as_string(birth, unit="D"), "-", "")
    seq = np.char.zfill(rng.integers(0, 1000, n).astype(str), 3)
    body = np.char.add(np.char.add(region, ymd), seq)
    digits = np.frombuffer("".join(body).encode(), dtype=np.uint8).reshape(n, 17) - ord("0")
    check = ID_CHECK[(digits * ID_WEIGHTS).sum(axis=1) % 11]
    return np.char.add(body, check)


def phones(rng: np.random.Generator, n: int) -> np.ndarray:
    prefix = rng.choice(["13", "15", "17", "18", "19"], n)
    rest = np.char.zfill(rng.integers(0, 10**9, n).astype(str), 9)
    return np.char.add(prefix, rest)


def companies(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    name = np.char.add(np.char.add("达州市", rng.choice(COMPANY_WORDS, n)), rng.choice(COMPANY_WORDS, n))
    name = np.char.add(np.char.add(name, rng.choice(COMPANY_KINDS, n)), "有限公司")
    tail = np.array(["".join(row) for row in rng.choice(list("0123456789ABCDEFGHJKLMNPQRTUWXY"), (n, 10))])
    return name, np.char.add("91511700", tail)


def mangle(ids: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """What Excel does to an 18-digit number: scientific notation, or zeros past the 15th digit."""
    sci = np.array([f"{float(i[:-1] + '0'):.5E}" for i in ids])  # e.g. 5.11702E+17
    zeros = np.char.add(np.char.ljust(np.array([i[:15] for i in ids]), 15), "000")
    return np.where(rng.random(len(ids)) < 0.5, sci, zeros)
