// The eight requirements students are told (docs/photo-spec.md §1), worded as on the paper notice,
// and the shooting tips. Kept verbatim so the app matches what study centres print.
export const RULES = [
  { icon: 'hat', text: '不得使用头部覆盖物，避免造成脸部阴影' },
  { icon: 'hair', text: '头发不能遮挡眉毛、眼睛和耳朵' },
  { icon: 'eyes', text: '双眼自然睁开并平视，耳朵对称，左右肩膀平衡' },
  { icon: 'jewelry', text: '不得佩戴耳环、项链等饰品' },
  { icon: 'mouth', text: '嘴唇自然闭合' },
  { icon: 'makeup', text: '不宜化浓妆' },
  { icon: 'glasses', text: '常戴眼镜者应佩戴眼镜，但不得佩戴有色眼镜，镜框不得遮挡眼睛，眼镜不能有反光' },
  { icon: 'clothes', text: '衣服应该与背景区分明显，避免复杂图案、条纹' },
] as const;

export type RuleIconName = (typeof RULES)[number]['icon'];

// The tips live in the domain: the learning centres' printed poster shows them too.
export { SHOOTING_TIPS, type TipIconName } from '../../../src/domain/shooting-tips.js';
