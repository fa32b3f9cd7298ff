// Deterministic generators for demo and bench data: Chinese names and GB 11643 ID numbers.
import { idNumberCheckChar } from '../server/services/id-number.js';

const SURNAMES = [
  ...'王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤',
];
const COMPOUND = ['欧阳', '司马', '诸葛', '上官'];
const GIVEN = [
  ...'伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍鹏飞辉建国红梅春燕晓东文博宇浩然子涵雨轩思远欣怡梓萱一鸣佳琪俊杰婷婷志强海燕丹丹',
];
// Real prefecture codes so the numbers look right; the people do not exist.
const REGIONS = [
  '110101',
  '110105',
  '310104',
  '320102',
  '330106',
  '370102',
  '420106',
  '440104',
  '440305',
  '510107',
  '610113',
  '500103',
  '210102',
  '350203',
  '430104',
];

/** mulberry32: small, fast, seedable. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(r: () => number, list: readonly T[]): T => list[Math.floor(r() * list.length)]!;

export function chineseName(r: () => number): string {
  const surname = r() < 0.02 ? pick(r, COMPOUND) : pick(r, SURNAMES);
  const len = r() < 0.35 ? 1 : 2;
  let given = '';
  for (let i = 0; i < len; i++) given += pick(r, GIVEN);
  return surname + given;
}

/** A checksum-valid 18-character ID number for someone born 1965–2006. */
export function idNumber(r: () => number): string {
  const region = pick(r, REGIONS);
  const birth = new Date(Date.UTC(1965, 0, 1) + Math.floor(r() * 41 * 365.25) * 86_400_000);
  const ymd = birth.toISOString().slice(0, 10).replaceAll('-', '');
  const seq = String(Math.floor(r() * 1000)).padStart(3, '0');
  const first17 = `${region}${ymd}${seq}`;
  return first17 + idNumberCheckChar(first17);
}
