"""Name pools for simulated people and places (common Chinese surnames and given names, English names, city districts)."""

from __future__ import annotations

ZH_SURNAMES = (
    "王",
    "李",
    "张",
    "刘",
    "陈",
    "杨",
    "黄",
    "赵",
    "吴",
    "周",
    "徐",
    "孙",
    "马",
    "朱",
    "胡",
    "郭",
    "何",
    "林",
)
ZH_GIVEN = ("伟", "芳", "娜", "敏", "静", "磊", "强", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明", "超", "秀英",
            "晓燕", "志强", "建华", "海燕", "俊杰", "子涵", "雨桐")  # fmt: skip
EN_FIRST = (
    "Emma",
    "David",
    "Olivia",
    "James",
    "Sophie",
    "Daniel",
    "Grace",
    "Michael",
    "Lucy",
    "Kevin",
    "Anna",
    "Tom",
)
EN_LAST = (
    "Li",
    "Chen",
    "Wang",
    "Smith",
    "Müller",
    "Zhang",
    "Brown",
    "Liu",
    "Martin",
    "Huang",
    "Taylor",
    "Wu",
)

CENTER_AREAS: dict[str, tuple[str, ...]] = {
    "harbin": ("Nangang", "Daoli", "Songbei", "Xiangfang"),
    "beijing": ("Chaoyang", "Haidian", "Fengtai", "Tongzhou"),
    "shanghai": ("Pudong", "Minhang", "Jiading", "Xuhui"),
    "guangzhou": ("Tianhe", "Panyu", "Baiyun", "Huangpu"),
    "chengdu": ("Wuhou", "Jinjiang", "Chenghua", "Shuangliu"),
    "urumqi": ("Tianshan", "Shayibake", "Xinshi", "Midong"),
}
