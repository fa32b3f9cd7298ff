// Background colour names a spec may offer. Their RGB values belong to the spec (data), not here.
export const BACKGROUND_NAMES = ['blue', 'white', 'gray'] as const;
export type BackgroundName = (typeof BACKGROUND_NAMES)[number];

export const BACKGROUND_LABELS: Record<BackgroundName, string> = {
  blue: '蓝色',
  white: '白色',
  gray: '灰色',
};
