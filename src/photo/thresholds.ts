// Every threshold the engine applies, in one place. Compliance check thresholds follow the making
// thresholds; each says how it was chosen.

/** Input validation (decode stage). */
export const INPUT_LIMITS = {
  /** The bound: phone photos reach 50 MP (8160×6120); more is a decompression-bomb risk. */
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
