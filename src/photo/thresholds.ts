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
   * The face-mesh model's confidence from which a detection is a face (face/human.ts). Beside a
   * sure face, a detection below it (down to the detector's 0.3) only sends the photo to review
   * (checks/making.ts faceCount). A face the mesh model doubts is usually half covered: when no
   * face reaches this, the faces the detector itself scores this high are kept from a second look
   * down to `rescuedFaceScore` (a hood with a mask, a mask with fogged glasses, sunglasses in a
   * three-quarter view: mesh 0.09–0.26, detector 0.64–0.73); face.occlusion then fails. The four
   * photos of other/no_face where no face is found gave no detection at all at that level.
   */
  faceScore: 0.5,
  rescuedFaceScore: 0.05,
  /**
   * Inter-eye distance (pupil to pupil) in source pixels. The 480×640 output places the eyes
   * ≈ 90–110 px apart; a source below 60 px is upscaled more than 1.6× and looks soft (warn), below
   * 40 px more than 2.5× (fail). ISO/IEC 19794-5 asks ≥ 60 px for token images, 90 px preferred.
   */
  interEyePx: { warn: 90, fail: 40 },
  /**
   * Framing (checks/making.ts margin, complete.ts). The spec's frame often reaches below a
   * chest-cut source; those rows are completed from the torso's last rows: the mean of `rows` rows
   * above the edge, skipping `skip` edge rows (a blend, or the 4–5 px white border of the ICAO
   * example scans), blurred across by one more px every `blurStep` rows down, up to `blurMax` px.
   * Below the shoulders the CHSI frame holds only clothing: with the eyes at 200–300 px and the chin
   * 120–160 px lower, the shoulders end near 75–80% of the height, so completing up to
   * `completionReview` (a fifth of the frame) adds clothing only; more reaches the shoulders
   * themselves and goes to a reviewer. The photo is refused only when the head top or the chin is
   * cut: the source must reach `chinClearance` × the eye-to-chin distance below the chin (the jaw
   * line whole, with some neck).
   */
  completion: { skip: 6, rows: 4, blurStep: 4, blurMax: 16 },
  completionReview: 0.2,
  chinClearance: 0.1,
  /** Background flatness away from the hair edge, CIE ΔE2000 to the chosen colour. */
  backgroundDeltaE: 2,
  /** Pixels within this distance (px) of any foreground (even faint) are the hair edge. */
  hairEdgeBand: 8,
  /**
   * Source-background clutter (checks/making.ts backgroundClutter, mean |dx|+|dy| luma) from which
   * background.uniform warns that the cut-out needs a look. Plain walls read 0–5; on the shared set
   * the foliage and outdoor backgrounds read 12.8–15.7, a map on a plain wall 6.0 and a blurred
   * event hall 6.2 (these two pass), negatives not labelled busy ≤ 7.4 except a coarse stucco wall
   * behind a tight crop (17.4, warns). Warn only: the output background is replaced either way.
   */
  sourceClutter: 10,
  /**
   * Source-background colour spread (checks/making.ts sourceBackground): the share of the
   * background's 8-px cells farther than `deltaE` (ΔE2000) from its median colour. A plain wall,
   * even lit unevenly, keeps most cells near one colour. On the shared set the negatives read
   * 0–0.32, then 0.46 (a glass partition with frosted strips, unlabelled, which clutter already
   * warns) and 0.60 (one labelled busy, excused); the busy backgrounds 0.81 (foliage), 0.75 (the
   * map on a wall that clutter misses) and 0.56 (outdoors); the blurred event hall 0.29 (dark,
   * one dominant colour: missed). Warn from 0.6, between them. On the press and studio photos of
   * identities/ and portraits/ (`npm run eval`), background.uniform now warns on 26 instead of
   * 16: flags, crowds, curtains, rooms.
   */
  sourceSpread: { deltaE: 15, warn: 0.6, minCells: 100 },
};

export const MATTING = {
  /**
   * RVM's internal downsampling. Seen here: 0.25 left see-through holes in white shirts, ≥ 0.75
   * punched holes in flat areas; on the shared portraits 0.4 still let the blue through a white
   * T-shirt (serfiq) and thinned curly hair (slinko 11), 0.5 kept both.
   */
  rvmDownsampleRatio: 0.5,
};

/**
 * Compliance checks (photo-spec.md §2, checks/*.ts). Chosen from the measures over
 * ../shared/data/faces (`npm run eval`): positives are the defect folders, negatives portraits/ and
 * defects/eyeglasses_no_reflection/ (21 photos). Each comment says where the line sits in that
 * distribution. Borderline values warn (human review); only clear values fail. Checks whose
 * measure could not be validated on the set only ever warn (or only add a tip).
 */
export const COMPLIANCE = {
  pose: {
    /** |yaw| (Human's mesh pose): negatives ≤ 13°, turned heads 10.8–41.6°. The graduate-exam
     *  rule is 10°: warn from 10, fail from 20 (two negatives at 13° warn). */
    yaw: { warn: 10, fail: 20 },
    /** Chin up (pitch < 0): negatives ≥ −4.2°, pitched-up photos −15.5 to −19.8°. */
    pitchUp: { warn: 10, fail: 15 },
    /** Chin down (pitch > 0): the model reads frontal faces at +5…+14° (negatives up to 14.2°),
     *  so down needs more; no labelled chin-down photo was read as such by the model. */
    pitchDown: { warn: 18, fail: 25 },
    /** |roll|: negatives up to 12.5° (two at 12.4–12.5° warn); tilted heads 6.2°, 36°, 57°.
     *  The rule is 10°; the model's roll scatters ±3°, hence warn from 8 and fail from 15. */
    roll: { warn: 8, fail: 15 },
    /** Beyond this the photo itself is sideways (r90 read 81°): ask to hold the phone upright. */
    rotatedImage: 45,
    /** Shoulder line vs the source horizontal: negatives ≤ 7.2°; no labelled positive. */
    shoulders: { warn: 10, fail: null },
  },
  eyes: {
    /** min eye aspect ratio (lid opening / eye width): negatives ≥ 0.248; closed 0.057–0.147,
     *  half-closed 0.218, winks 0.057 and 0.184. */
    open: { warn: 0.235, fail: 0.16 },
    /** Human's iris gaze strength (frontal heads, open eyes): negatives ≤ 0.11, the averted
     *  gaze 0.23 (turned heads read 0.1–0.32, left to the yaw check). */
    gaze: { warn: 0.15, fail: 0.3 },
  },
  mouth: {
    /** Inner-lip gap / inner mouth width: closed lips ≤ 0.074 on negatives (one parted-lip
     *  "neutral" at 0.25, one smile at 0.19); open mouths 0.219–0.694. */
    gap: { warn: 0.15, fail: 0.3 },
    /** Teeth-coloured fraction between the inner lips: negatives 0 except the two above
     *  (0.58, 0.65); non-neutral smiles/grimaces 0.41–0.84. */
    teeth: 0.3,
    /** face-api's angry + disgusted + fearful + surprised (face/expression.ts, checks/mouth.ts
     *  strongExpression) that warns. The 21 negatives read at most 0.05; the non-neutral photos
     *  without teeth (frowns, a pout, a grimace) 0.83–1.00. Photos of people (identities) reach it
     *  with a worried look, parted lips or a surprised face, which review should see anyway. */
    strongExpression: 0.5,
  },
  occlusion: {
    /** Nose-bridge L* minus cheek L*: negatives ≤ 7 (glasses bridges make it negative); a black
     *  mask reads 34, a veil 63. */
    darkCover: { warn: 15, fail: 25 },
    /** White low-chroma fraction over closed lips: masks 1.0, negatives ≤ 0.04 with closed lips. */
    whiteCover: { warn: 0.3, fail: 0.5 },
    /** Above this inner-lip gap the white is teeth, not a mask: under the three white masks of
     *  the set the mesh presses the lips shut (0.042–0.074); toothy smiles read from 0.14 (two
     *  at 0.142 and 0.146 failed as masked at 0.15; their teeth are expression.neutral's). */
    whiteCoverMaxGap: 0.1,
    /** Hand-presence score of the landmark model beside the chin (face/hand.ts): the 27 faces of
     *  portraits/, eyeglasses_no_reflection/ and face_mask/ read ≤ 0.10; hands on the chin or
     *  over the mouth 0.83–0.99, a profile without a hand 0.52. A hand that is surely there
     *  fails; a doubtful reading asks for review. */
    hand: { warn: 0.5, fail: 0.9 },
    /** Keypoints (of 21) in the face box for the hand to count as over the face, not beside it:
     *  hands on the face put 12–21 there, a fist at the shoulder none. */
    handKeypointsOnFace: 3,
    /** Fraction of the face box outside the source photo (the photo's edge cuts the face):
     *  negatives 0, tightly cropped faces up to 0.05 (a chin or cheek edge), the face cut by the
     *  left edge 0.21. Warn from 0.1; fail from 0.3, where a third of the face is missing. */
    faceOutside: { warn: 0.1, fail: 0.3 },
  },
  makeup: {
    /** Lip chroma minus cheek chroma: negatives ≤ 36 (a lipstick portrait); warn only. */
    lipChroma: { warn: 40, fail: null },
  },
  glasses: {
    /** Lens-interior median L* / face L*: negatives ≥ 0.39 (dim phone selfies 0.39–0.43);
     *  sunglasses 0.03–0.33, brown tint 0.08, blue tint 0.37 (missed). */
    lensRatio: { warn: 0.36, fail: 0.2 },
    /** The same ratio for the darker eye, which warns on its own in a lit face (> minFaceL): the
     *  283 faces of the set without dark lenses read ≥ 0.17 (a backlit face, not lit, 0.11);
     *  sunglasses 0.02–0.08, among them a pair whose other lens mirrors the sky (brighter eye
     *  0.47, which passed). */
    darkerLensRatio: 0.1,
    /** Fraction of the lens area (outside the eye opening) coloured away from the skin
     *  (measures.ts lensColour): blue-tinted lenses 0.73; every other face of the 292 in
     *  portraits/, defects/ and identities/ ≤ 0.33 (mirrored sunglasses 0.33, webcam photos with
     *  a blue cast 0.22, portraits ≤ 0.14). Warn only; dark tints are the ratios' job. */
    lensColour: 0.5,
    /** Sclera contrast (p90−p10 L*) in the eye opening: negatives ≥ 19; dark lenses 2–9. */
    eyeContrastMin: 12,
    /** Below this face L* the eye sockets are dark from the light itself: warn, never fail. */
    minFaceL: 35,
    /** Near-white fraction (%) of the lens area around each eye, judged only behind a frame
     *  (frameBridge below): faces without glasses read up to 8% (skin highlights, white hair).
     *  Of the 34 faces with a frame bridge, 29 read 0 and two glasses faces without a labelled
     *  reflection 0.13 and 0.20; the labelled strong reflection 0.47, mirrored sunglasses 1.2, a
     *  frown read as a bridge 2.85. Warn only. */
    glare: { warn: 0.3, fail: null },
    /** Frame bridge across the nose (measures.ts frameBridge, luma levels), over the 295 faces of
     *  portraits/, defects/ and identities/: the 22 labelled with clear or tinted glasses read
     *  10.8–66.4 but for a blurred crop (1.7) and a profile (2.6); sunglasses 1.6–43.3 (dark
     *  lenses are glasses.tinted's); faces without glasses below 10 except 8 of 262 (a frown
     *  47.1, the others 10.7–22.7). Glare and frames over the eyes are judged only from here:
     *  the five faces without glasses whose skin highlights or white hair read as glare
     *  (1.0–8.0%), and the five whose blurred or dim eyes read as covered, fall below it. */
    frameBridge: 10,
    /** Eye-opening contrast below which an open, unshaded eye looks covered (frame or hair):
     *  negatives ≥ 19. Warn only. glasses.reflection reads it too, behind clear lenses for eyes
     *  that are not closed: of the 28 such faces of the set the fogged lenses read 12.6, clear
     *  glasses 17.3 and up (the set's only reflection of that kind: the level predates it). */
    frameContrast: { warn: 15, fail: null },
  },
  head: {
    /** Forehead L* minus cheek L*: negatives ≥ −15 except a heavy fringe (−41.5, warns);
     *  caps and beanies −9.8 to −51. Warn only: a fringe reads like a brim. */
    foreheadShade: { warn: -9 },
    /** Chroma of the region above the forehead (what is not skin there): hair on negatives
     *  ≤ 30.3; on identities/ red hair 39.6 and 49.8, two brown-haired faces 35.8 and 37.9, a
     *  webcam's orange cast 33.6 (these five warn); the coloured scarf 45.5. */
    topChroma: { warn: 32 },
    /** Share of the region (its person pixels) that must be other than skin for its colour to be
     *  judged; below it the region is forehead skin. Seven faces of identities/ with high
     *  foreheads or short hair read 0–0.05, and their warm skin (chroma 29–38) warned as a
     *  coloured scarf. The scarf reads 0.21: its face is veiled, so the reference skin is the
     *  veil's colour. */
    topCover: 0.1,
    /** Share of that region on the person (matte ≥ 128) below which it is not judged: 68 tight
     *  face crops of the set, the head top outside the photo, have 0–23%; every other face ≥ 32%.
     *  Judging them on the skin's colour warned 14 of them as coloured scarves. */
    topOnPerson: 0.25,
    /** Stripe strength over the head top (measures.ts topPattern, the clothing stripes' measure):
     *  the knitted beanie reads 0.072 (the photo is in the set twice); the other 330 faces of
     *  the set (groups included) read ≤ 0.001, hair having no period. So do the 16 portraits
     *  re-encoded as JPEG at quality 10, and the 13 still analysable when shrunk to 45% at
     *  quality 25 (compression blocks repeat too). Warn from 0.03, the most any unstriped clothes
     *  of the set read (clothing.stripes): above what plain texture reaches anywhere on the
     *  person. */
    topPattern: 0.03,
    /** Hair over an eye: open eye whose opening contrast is below this (negatives ≥ 19). */
    hairEyeContrast: 17,
    /** Hair over an eye, by colour: an open eye's opening more colourful than the skin by this
     *  (EyeRegionMeasures.openingChroma). Unmasked open eyes of the set read at most 7.4 (a pale
     *  face whose pink lid rims fill the opening), red hair across an eye 12.2. Masked faces take
     *  their skin reference partly from the mask: 7.7, and 16.8 for a black mask in a dark photo
     *  (it warns here too; face.occlusion fails it). Dark hair is not coloured: the contrast rule
     *  above speaks to it. Warn only. */
    hairEyeChroma: 10,
    /** Hair over brows: skin fraction above the brows and on the brow band both below these,
     *  skin being that side's cheek colour. Against the whole face's skin, six faces of
     *  identities/ lit from one side or turned warned as fringes (their dim side's brow reads
     *  0.45–0.78 against its own cheek); the fringes (a portrait, the labelled fringe over an eye,
     *  two of identities/) still read 0. */
    aboveBrowSkin: 0.02,
    browSkin: 0.1,
    /** Ears: share of the band beside the cheek at ear height that is person but not skin
     *  (measures.ts earHair). On the shared set the good photos whose ears show read 0.12 / 0.50 /
     *  0.70 (10th / 50th / 90th percentile), the ten clear covered-ears photos 0.30–1.00 (AUC 0.77),
     *  and the twelve good-labelled photos with hair over both ears (bench/disputed-labels.tsv)
     *  0.81–1.00. Warns from a little under the good photos' median: a warn is only a candidate,
     *  the calibration's gate (calibration.json) decides which stand. */
    earHair: 0.45,
  },
  jewelry: {
    /** Glint % beside the jaw from the ear lobe to the chin (checks/measures.ts earGlint). Over
     *  the 292 faces of portraits/, defects/ and identities/: the nine highest, 4.0–11.2%, are
     *  eight faces with hanging earrings (four labelled, four in identities/ unlabelled) and
     *  glossy curly hair in sunshine (4.8%); the highest without earrings and not in sunshine
     *  3.2%, the highest negative 3.0%. Small studs and earrings in a low-resolution photo read
     *  below 3. Warn only. */
    earGlint: { warn: 3.6 },
    /** Bright-spot % on the person on the neck. Not validated: glints on the neck read higher on
     *  textured collars than on the one necklace photo, so this only adds a reminder to a
     *  passing entry. */
    neckSparkTip: 30,
  },
  clothing: {
    /** ΔE2000 clothes vs the chosen background: negatives 24–66 on blue; no labelled positive. */
    contrast: { warn: 10, fail: 5 },
    /** Mean luma gradient on the clothes: negatives ≤ 25.5 (a textured knit); warn only. */
    texture: { warn: 28, fail: null },
    /** Stripe strength (checks/stripes.ts): the two striped shirts of the set (clear-glasses
     *  photos, vertical and horizontal stripes) 0.34 and 0.19, a ribbed knit 0.22; the other
     *  277 faces of the set ≤ 0.03. A third striped shirt (fine, irregular pinstripes) reads 0:
     *  missed. Warn only. */
    stripes: { warn: 0.15 },
  },
  light: {
    /** Face (cheek) L*: negatives ≥ 37 (dim selfies); dark photos 31.8–38.1, backlit 24–28. But
     *  dark skin in good light reads 32.9–38.9 too (three photos of one identity), and on the
     *  grown set 33.7–40.6 (six studio portraits on light grey, face highlights p99 108–139, the
     *  photo's 239–254: white shirts). So a face above the fail level counts as dark only when
     *  nothing in the photo is bright either (dimPhotoFace); a warn from 39 with dim face
     *  highlights alone sent those six to review and caught no dark photo the photo-wide rule
     *  misses (the dark photos' p99 is 90 and 138). Below the fail level with bright highlights
     *  (a backlit face) it warns. */
    dark: { fail: 30 },
    /** p99 face-box luma below which a dim face is an underexposed photo: the dark photos 92 and
     *  129 (backlit, dim face), the dim-skinned identities in good light 186–217, a dim selfie 165;
     *  lowest of the 280 faces of the set 92, then 122 (clear-lit faces on grey). */
    darkHighlight: 150,
    /** Face L* up to which a face counts as dark when nothing in the whole photo is bright either
     *  (face highlights and the photo's p99 luma both below darkHighlight). Of the faces of the
     *  set at L* 39–50, a webcam face at night reads 42.2 with the photo's p99 at 138 (the one
     *  darkHighlight alone missed); low-key studio portraits on black read 133–146 but their
     *  faces 48.9–49.1; dim faces with a bright spot anywhere (a window, a white shirt) 149 and
     *  up. A blurred photo on black (42.6, 132) warns too. Warn only. */
    dimPhotoFace: 45,
    /** Bright: negatives ≤ 85; nothing labelled overexposed. */
    bright: { warn: 93, fail: 98 },
    /** Background minus face L*: negatives ≤ 40.7 (white walls behind dim selfies); backlit
     *  43.8 and 52. Fail needs a dim face too (backlit faces 24–28, negatives ≥ 37). */
    backlit: { warn: 42, fail: 42, severe: 60 },
    backlitFaceL: 32,
    /** |left − right cheek L*|: negatives up to 32.7 (one side-lit "clear glasses" photo), side
     *  light 23.9, harsh sun 12.4 — not separable; warn from 22, fail only at 40. */
    uneven: { warn: 22, fail: 40 },
  },
  image: {
    /** Mean |Laplacian| over eyes and nose: negatives ≥ 2.76; blurred 0.82–1.38; low-res
     *  upscaled sources 1.4–2.2 are genuinely soft (warn). */
    sharpness: { warn: 2.4, fail: 1.6 },
    /** p90 chroma over the person: greyscale 0–3.3, negatives ≥ 9.4, a dark photo 6.3. */
    chroma: { warn: 8, fail: 5 },
    /** Anti-spoof "real" score: negatives 0.30–0.91 and the spoof photos 0.66–0.84, so the model
     *  separates nothing here; warn only below every negative. Advisory. */
    spoofReal: { warn: 0.25 },
    /** Shortest of the straight edges left of, right of and above the face (checks/enclosure.ts),
     *  in face widths: the 5 spoof photos 1.04–1.48 and a scanned print with its border 1.27; the
     *  other 274 faces of the set (identities included) ≤ 0.98 (a press backdrop, two of its
     *  sides at the statuette and the hair), then 0.83 (a tilted head by a door frame), all the
     *  others 0. Warn at 1: a thin margin, on 6 positives, so advisory only. */
    spoofFrame: { warn: 1 },
  },
  /**
   * When no face is found (checks/noface.ts) the report still says what can be judged without one.
   * Measured by running these measures on every photo of the set (faces found or not), so the
   * negatives show where a good photo would land if its face were missed.
   */
  noFace: {
    /** p90 over 32-px tiles of the mean |Laplacian| on the image at ≤ 640 px long side (never
     *  upscaled): negatives 10.0–58.3; every photo with a sharp face ≥ 6.3 (a 256 px thumbnail);
     *  the blurred crops 0.9–1.0, a blurred selfie 2.45, a blurred dark photo 3.55. A sharp
     *  background keeps it high (a miss, never a false alarm). */
    sharpness: { warn: 5, fail: 3 },
    /** Whole-image p90 L*: the brightest tenth of the photo. Photos with a well-lit face read
     *  ≥ 30 (dark backgrounds), negatives ≥ 55; a dark blank 10. Only near-black photos fail. */
    darkP90: { warn: 25, fail: 15 },
    /** Whole-image p10 L*: ≤ 73 on the whole set (nothing overexposed); warn only. */
    brightP10: { warn: 90 },
    /** MoveNet keypoints (nose, eyes, ears) count from this score. */
    keypointScore: 0.25,
    /** Eye span / the farther confident ear's horizontal distance from the nose: negatives
     *  0.51–0.89; heads turned 37–40° (faces found) 0.25–0.42; the two undetected profiles 0.16
     *  and 0.29. Fail from 0.3 (a profile), warn to 0.45. */
    turnRatio: { warn: 0.45, fail: 0.3 },
  },
};
