// The shooting tips, one definition for the student app (拍摄提示 page) and the learning centres'
// printed entry poster, so what a poster promises is what the phone then says.
export const SHOOTING_TIPS = [
  { icon: 'rear', title: '请别人用后置摄像头拍', text: '后置摄像头更清晰；一个人时也可以用前置摄像头自拍。' },
  { icon: 'centre', title: '头部居中，正对镜头', text: '把头放进取景框的轮廓里，头顶和双肩都要拍到。' },
  { icon: 'wall', title: '纯色背景', text: '站在白墙或浅色纯色墙前，背后不要有杂物和其他人。' },
  { icon: 'light', title: '光线充足，不要逆光', text: '面向窗户或灯光，不要背对窗户；脸上不要有明显阴影。' },
] as const;

export type TipIconName = (typeof SHOOTING_TIPS)[number]['icon'];

/** The three a poster has room for: the ones that decide whether a photo passes (the camera
 *  choice is a convenience, and the app says it again before the camera opens). */
export const POSTER_TIPS = SHOOTING_TIPS.filter((t) => t.icon !== 'rear');
