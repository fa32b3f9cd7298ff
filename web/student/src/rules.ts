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

export const SHOOTING_TIPS = [
  { icon: 'rear', title: '请别人用后置摄像头拍', text: '后置摄像头更清晰；一个人时也可以用前置摄像头自拍。' },
  { icon: 'centre', title: '头部居中，正对镜头', text: '把头放进取景框的轮廓里，头顶和双肩都要拍到。' },
  { icon: 'wall', title: '纯色背景', text: '站在白墙或浅色纯色墙前，背后不要有杂物和其他人。' },
  { icon: 'light', title: '光线充足，不要逆光', text: '面向窗户或灯光，不要背对窗户；脸上不要有明显阴影。' },
] as const;

export type TipIconName = (typeof SHOOTING_TIPS)[number]['icon'];
