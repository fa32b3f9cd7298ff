// Every threshold the engine applies, in one place. Compliance check thresholds follow the making
// thresholds; each says how it was chosen.

/** Input validation (decode stage). */
export const INPUT_LIMITS = {
  /** The issue's bound: phone photos reach 50 MP (8160×6120); more is a decompression-bomb risk. */
  maxPixels: 50_000_000,
  /** An upload limit well above a 50 MP JPEG (~25 MB). */
  maxBytes: 40 * 1024 * 1024,
  /** Below this there is no face to find; small-but-usable faces are judged by face.resolution. */
  minShortSide: 128,
  /** Face models see at most this long side; the detector works at 256 px and the mesh at 192. */
  analysisLongSide: 1280,
};

/** Thresholds of the checks the making itself needs. */
export const MAKING = {
  /**
   * Inter-eye distance (pupil to pupil) in source pixels. The 480×640 output places the eyes
   * ≈ 90–110 px apart; a source below 60 px is upscaled more than 1.6× and looks soft (warn), below
   * 40 px more than 2.5× (fail). ISO/IEC 19794-5 asks ≥ 60 px for token images, 90 px preferred.
   */
  interEyePx: { warn: 90, fail: 40 },
  /** How far the output frame may reach past the source's top/bottom before the crown or the
   *  shoulders are missing, as a fraction of the output height. Sides can be filled with the new
   *  background (the matte is empty there), the top above the crown likewise; the body cannot. */
  bottomShortfall: { warn: 0.02, fail: 0.08 },
  /** The crown must be at least this far (fraction of head height) below the source's top edge. */
  crownClearance: 0.02,
  /** Background flatness away from the hair edge, CIE ΔE2000 to the chosen colour. */
  backgroundDeltaE: 2,
  /** Pixels within this distance (px) of any foreground (even faint) are the hair edge. */
  hairEdgeBand: 8,
};

export const MATTING = {
  /**
   * RVM's internal downsampling. Seen here: 0.25 left see-through holes in white shirts, ≥ 0.75
   * punched holes in flat areas, 0.5 kept hair best; 0.4 keeps most of that at ~2/3 of the time.
   */
  rvmDownsampleRatio: 0.4,
};

/**
 * Compliance checks (photo-spec.md §2, checks/*.ts). Chosen from `npm run eval` over
 * ../shared/data/faces: positives are the defect folders, negatives portraits/ and
 * defects/eyeglasses_no_reflection/; the comment on each says where the line sits in that
 * distribution. Borderline values warn (human review); only clear values fail.
 */
export const COMPLIANCE = {
  pose: {
    yaw: { warn: 10, fail: 20 },
    pitch: { warn: 12, fail: 20 },
    roll: { warn: 8, fail: 12 },
    rotatedImage: 45,
    shoulders: { warn: 8, fail: null },
  },
  eyes: {
    open: { warn: 0.18, fail: 0.12 },
    gaze: { warn: 0.12, fail: 0.2 },
    gazeVerticalWeight: 0.5,
  },
  mouth: {
    gap: { warn: 0.15, fail: 0.3 },
    emotion: { warn: 0.5, fail: 0.8 },
    smileLift: 0.2,
    smileTeeth: 0.3,
  },
  occlusion: {
    lowerDeltaE: { warn: 15, fail: 25 },
    hand: { warn: 0.3, fail: 0.6 },
  },
  makeup: { lipChroma: { warn: 30, fail: null } },
  glasses: {
    lensDarkRef: 30,
    eyeBrightRef: 10,
    lensTintRef: 20,
    tinted: { warn: 0.7, fail: 1 },
    glare: { warn: 3, fail: 8 },
    frame: { warn: 20, fail: null },
  },
  head: {
    crownHeightRef: 1.2,
    topChromaRef: 20,
    shadeRef: 10,
    foreheadSkinRef: 0.5,
    covering: { warn: 0.5, fail: 1 },
    lidSkin: { warn: 0.3, fail: 0.1 },
    browSkin: { warn: 0.2, fail: null },
    earSkin: { warn: 0.05, fail: null },
  },
  jewelry: { earSpark: { warn: 5, fail: null }, neckSpark: { warn: 5, fail: null } },
  clothing: { contrast: { warn: 8, fail: 4 }, texture: { warn: 15, fail: null } },
  light: {
    dark: { warn: 35, fail: 25 },
    bright: { warn: 90, fail: 97 },
    backlit: { warn: 30, fail: 45 },
    uneven: { warn: 15, fail: 25 },
  },
  image: {
    sharpness: { warn: 4, fail: 2.5 },
    chroma: { warn: 8, fail: 4 },
    spoofReal: { warn: 0.3 },
  },
};
