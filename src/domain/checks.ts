// The one definition of photo checks: ids, statuses and their titles. Imported by the engine, the
// server, the database layer and both web apps, so a check id is never spelled twice.

export const CHECK_STATUSES = ['pass', 'warn', 'fail'] as const;
/** pass: fine; warn: allowed, goes to human review; fail: blocks submission. */
export type CheckStatus = (typeof CHECK_STATUSES)[number];

export interface CheckDefinition {
  /** Short zh-CN title shown on the validation page. */
  zh: string;
  en: string;
  /** Which photo-spec requirement (§1 rule number) or making step the check belongs to. */
  group:
    | 'making'
    | 'face'
    | 'pose'
    | 'eyes'
    | 'mouth'
    | 'head'
    | 'jewelry'
    | 'glasses'
    | 'clothing'
    | 'light'
    | 'image';
}

export const CHECKS = {
  // Making the photo (the engine itself).
  'face.count': { zh: '单人正脸', en: 'Exactly one face', group: 'making' },
  'face.resolution': { zh: '面部清晰度', en: 'Enough facial detail', group: 'making' },
  'layout.margin': { zh: '头肩完整', en: 'Head and shoulders in frame', group: 'making' },
  'layout.geometry': { zh: '头部位置', en: 'Head position and size', group: 'making' },
  'background.uniform': { zh: '背景纯色', en: 'Flat background', group: 'making' },
  'file.size': { zh: '文件大小', en: 'File size', group: 'making' },
  // Compliance (photo-spec.md §2).
  'face.occlusion': { zh: '面部无遮挡', en: 'Nothing covering the face', group: 'face' },
  'pose.yaw': { zh: '正对镜头', en: 'Facing the lens', group: 'pose' },
  'pose.pitch': { zh: '不仰头低头', en: 'Head not tilted up or down', group: 'pose' },
  'pose.roll': { zh: '头部端正', en: 'Head level', group: 'pose' },
  'eyes.open': { zh: '双眼睁开', en: 'Eyes open', group: 'eyes' },
  'eyes.gaze': { zh: '双眼平视', en: 'Looking ahead', group: 'eyes' },
  'mouth.closed': { zh: '嘴唇闭合', en: 'Lips closed', group: 'mouth' },
  'expression.neutral': { zh: '表情自然', en: 'Neutral expression', group: 'mouth' },
  'head.covering': { zh: '无头部覆盖物', en: 'No head covering', group: 'head' },
  'hair.eyes': { zh: '头发不遮眼', en: 'Hair clear of the eyes', group: 'head' },
  'hair.eyebrows': { zh: '头发不遮眉', en: 'Hair clear of the eyebrows', group: 'head' },
  'ears.visible': { zh: '双耳可见', en: 'Ears visible', group: 'head' },
  'shoulders.level': { zh: '双肩平衡', en: 'Shoulders level', group: 'pose' },
  'jewelry.earrings': { zh: '无耳饰', en: 'No earrings', group: 'jewelry' },
  'jewelry.necklace': { zh: '无项链', en: 'No necklace', group: 'jewelry' },
  'makeup.heavy': { zh: '无浓妆', en: 'No heavy make-up', group: 'face' },
  'glasses.tinted': { zh: '无有色眼镜', en: 'No tinted lenses', group: 'glasses' },
  'glasses.frame': { zh: '镜框不挡眼', en: 'Frames clear of the eyes', group: 'glasses' },
  'glasses.reflection': { zh: '镜片无反光', en: 'No reflections on lenses', group: 'glasses' },
  'clothing.contrast': { zh: '衣服与背景区分', en: 'Clothes distinct from background', group: 'clothing' },
  'clothing.pattern': { zh: '衣服无复杂图案', en: 'No busy patterns', group: 'clothing' },
  'light.exposure': { zh: '光线充足', en: 'Enough light', group: 'light' },
  'light.backlit': { zh: '非逆光', en: 'Not backlit', group: 'light' },
  'light.uneven': { zh: '面部光线均匀', en: 'Even light on the face', group: 'light' },
  'image.sharpness': { zh: '照片清晰', en: 'Sharp photo', group: 'image' },
  'image.color': { zh: '彩色照片', en: 'Colour photo', group: 'image' },
  spoof: { zh: '真人拍摄', en: 'Live person, not a photo of a photo', group: 'image' },
  // Collection (the server, at submission): the same face under another student's number.
  'identity.duplicate': { zh: '非他人已交照片', en: "Not another student's photo", group: 'face' },
} as const satisfies Record<string, CheckDefinition>;

export type CheckId = keyof typeof CHECKS;
export const CHECK_IDS = Object.keys(CHECKS) as CheckId[];

export interface CheckMessage {
  zh: string;
  en: string;
}

/** One entry of a photo's compliance report. */
export interface CheckResult {
  id: CheckId;
  status: CheckStatus;
  /** What was measured, in the unit of `unit`; null when it could not be measured. */
  value: number | null;
  unit?: string;
  /** The threshold(s) applied, human-readable, e.g. "≤ 10° pass, ≤ 15° warn". */
  threshold: string;
  /** What the student should change (or that all is well). */
  message: CheckMessage;
}

const ORDER: Record<CheckStatus, number> = { pass: 0, warn: 1, fail: 2 };

/** The worst status of a set of checks: one fail fails the photo, one warn sends it to review. */
export function worstStatus(results: readonly { status: CheckStatus }[]): CheckStatus {
  let worst: CheckStatus = 'pass';
  for (const r of results) if (ORDER[r.status] > ORDER[worst]) worst = r.status;
  return worst;
}
