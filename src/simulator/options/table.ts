// The option table as data: every nanoBragg flag and alias this port implements (name, values, unit, help,
// default, what it sets), our own host flags, the refused ones, and the spellings C accepts by substring or
// ignores. Parsing (src/simulator/args.ts), --help and the suggestions all read it.

import { BACKEND_CHOICES, DTYPES, type Backend, type Dtype } from '../../backends/names.ts';
import {
  ArgError, LONG_RUN_EVALUATIONS, defaultDetectorArgs, type ArgGroup, type Convention, type DetectorArgs, type GroupArgs, type ParseNotes,
  type PhysicsArgs, type SimArgs, type VectorName,
} from './sim-args.ts';
import { RTD, intIn, metres, realIn, GT0, GE0, GE1, DETPIX, ANGLE, KAHN, int, positive, INFINITE } from './values.ts';

// ---------------------------------------------------------------------------------------------------
// The option table

export interface OptionSpec {
  /** First is the name shown in help; the rest are accepted aliases. */
  names: readonly string[];
  /** Value placeholders for help and the "needs" message, e.g. ['mm']; [] for a switch. */
  values: readonly string[];
  /** Short unit/meaning of the value(s) for messages. */
  unit: string;
  help: string;
  /** Default as shown in help ('' = none worth showing). */
  dflt: string;
  /** Fewest values (default: all of `values`); values beyond it are taken while they look like values. */
  minValues?: number;
  apply(a: SimArgs, v: readonly string[], flag: string): void;
  /** The part of SimArgs the option is for (sim-args.ts: PhysicsArgs, OutputArgs, HostArgs). */
  group: ArgGroup;
}

/**
 * A row of the table before its section gives it a group: its setter sees only `A` (GroupArgs[group]), so the
 * compiler checks that a physics option writes only PhysicsArgs keys (and the parse's notes), and so on.
 */
export type OptionRow<A> = Omit<OptionSpec, 'group' | 'apply'> & { apply: (a: A, v: readonly string[], flag: string) => void };

/** The rows of one section of the table, tagged with its group. */
export function grouped<G extends ArgGroup>(group: G, rows: readonly OptionRow<GroupArgs[G]>[]): OptionSpec[] {
  // SimArgs has every key of GroupArgs[G]: a setter of the group takes the whole SimArgs
  return rows.map((r) => ({ ...r, apply: r.apply as OptionSpec['apply'], group }));
}

export const sw = <A>(names: readonly string[], help: string, apply: (a: A) => void, dflt = 'off'): OptionRow<A> => ({
  names,
  values: [],
  unit: '',
  help,
  dflt,
  apply: (a) => apply(a),
});
export const one = <A>(
  names: readonly string[],
  value: string,
  unit: string,
  help: string,
  dflt: string,
  apply: (a: A, tok: string, flag: string) => void,
): OptionRow<A> => ({ names, values: [value], unit, help, dflt, apply: (a, v, f) => apply(a, v[0], f) });

export function noop(a: ParseNotes, flag: string): void {
  if (!a.noops.includes(flag)) a.noops.push(flag);
}

export const NANOBRAGG_OPTIONS: readonly OptionSpec[] = [
  // the image: PhysicsArgs (src/simulator/setup.ts reads only these)
  ...grouped('physics', [
    // crystal and structure factors
    one(['-hkl'], 'file', 'path', 'text file of h k l F (P1)', 'none', (a, t) => (a.hklPath = t)),
    one(['-default_F'], 'F', 'electrons', 'F of every reflection not in the HKL file', '0', (a, t, f) => (a.defaultF = realIn(f, t, ''))),
    {
      names: ['-cell'],
      values: ['a', 'b', 'c', 'alpha', 'beta', 'gamma'],
      unit: 'Å, then degrees',
      help: 'unit cell (Å, degrees); required unless -mat is given',
      dflt: 'none',
      apply(a, v, f) {
        const len = v.slice(0, 3).map((t) => realIn(f, t, 'Å', GT0));
        const ang = v.slice(3).map((t) => realIn(f, t, 'degrees', ANGLE));
        const [ca, cb, cg] = ang.map((d) => Math.cos(d / RTD));
        if (1 - ca * ca - cb * cb - cg * cg + 2 * ca * cb * cg <= 1e-9) {
          throw new ArgError(`option '${f}' angles ${v.slice(3).join(' ')} do not form a cell (zero or imaginary volume)`, f);
        }
        a.cell = [len[0], len[1], len[2], ang[0], ang[1], ang[2]];
      },
    },
    one(['-N'], 'n', 'unit cells', 'unit cells along a, b and c (sets -Na -Nb -Nc)', '1', (a, t, f) => {
      a.Na = a.Nb = a.Nc = intIn(f, t, 'unit cells', GE0);
    }),
    one(['-Na'], 'n', 'unit cells', 'unit cells along a', '1', (a, t, f) => (a.Na = intIn(f, t, 'unit cells', GE0))),
    one(['-Nb'], 'n', 'unit cells', 'unit cells along b', '1', (a, t, f) => (a.Nb = intIn(f, t, 'unit cells', GE0))),
    one(['-Nc'], 'n', 'unit cells', 'unit cells along c', '1', (a, t, f) => (a.Nc = intIn(f, t, 'unit cells', GE0))),
    sw(['-square_xtal'], 'parallelepiped crystal: sincg lattice factor', (a) => (a.shape = 'square'), 'on'),
    sw(['-round_xtal'], 'ellipsoidal crystal: sinc3 lattice factor', (a) => (a.shape = 'round')),
    sw(['-gauss_xtal'], 'Gaussian spots, no inter-Bragg maxima', (a) => (a.shape = 'gauss')),
    sw(['-tophat_spots', '-binary_spots'], 'lattice factor clipped at the FWHM', (a) => (a.shape = 'tophat')),
    one(['-fudge'], 'x', '', 'spot-width factor for round/gauss/tophat shapes', '1', (a, t, f) => (a.fudge = realIn(f, t, '', GT0))),
    sw(['-interpolate'], 'force tricubic interpolation of F between reflections', (a) => (a.interpolate = 1), 'auto: on if any N <= 2'),
    sw(['-nointerpolate'], 'nearest-reflection F only', (a) => (a.interpolate = 0), 'auto'),
    // crystal orientation, mosaicity and size (src/physics/crystal.ts, docs/c-behaviour/crystal.md)
    one(['-mat', '-matrix'], 'file', 'path', 'MOSFLM A matrix (a*, b*, c* as columns, times lambda); -cell then optional', 'none', (a, t) => (a.matPath = t)),
    {
      names: ['-misset'],
      values: ['x|random', 'y', 'z'],
      unit: 'degrees about x, y, z, or random',
      help: 'rotate a*, b*, c* about fixed x, then y, then z (0 skips an axis); random: C\'s random orientation',
      dflt: 'none',
      minValues: 1,
      apply(a, v, f) {
        if (v.length === 1 && v[0] === 'random') {
          a.misset = 'random';
          return;
        }
        if (v.length !== 3) throw new ArgError(`option '${f}' needs 3 values: x y z (degrees), or the word random`, f);
        const [x, y, z] = v.map((t) => realIn(f, t, 'degrees') / RTD);
        a.misset = [x, y, z];
      },
    },
    one(['-misset_seed'], 'n', '', 'seed of -misset random (C default: -time())', 'time', (a, t, f) => (a.missetSeed = seedFromFlag(intIn(f, t, '')))),
    one(['-mosaic', '-mosaicity', '-mosaic_spread'], 'deg', 'degrees', 'mosaic spread: largest domain rotation', 'none', (a, t, f) => {
      a.mosaicSpread_rad = realIn(f, t, 'degrees', GE0) / RTD;
    }),
    one(['-mosaic_domains', '-mosaic_dom'], 'n', 'domains', 'mosaic domains (10 if only -mosaic is given)', '1', (a, t, f) => {
      a.mosaicDomains = intIn(f, t, 'domains', [(v) => v >= 1 && v <= 1_000_000, '1..1000000']);
    }),
    one(['-mosaic_seed'], 'n', '', 'seed of the mosaic domain orientations', '-12345678', (a, t, f) => (a.mosaicSeed = seedFromFlag(intIn(f, t, '')))),
    one(['-xtalsize', '-xtal_size', '-samplesize', '-sample_size'], 'mm', 'mm', 'crystal size along a, b and c (overrides -N per axis)', 'from -N', (a, t, f) => {
      const m = realIn(f, t, 'mm', GE0) / 1000.0;
      a.sample_m = [m, m, m];
    }),
    one(['-sample_thick', '-sample_x', '-xtal_thick', '-xtal_x'], 'mm', 'mm', 'crystal size along a (overrides -Na)', 'from -Na', (a, t, f) => {
      a.sample_m[0] = realIn(f, t, 'mm', GE0) / 1000.0;
    }),
    one(['-sample_width', '-sample_y', '-xtal_width', '-xtal_y', '-width'], 'mm', 'mm', 'crystal size along b (overrides -Nb; clipped by -beamsize)', 'from -Nb', (a, t, f) => {
      a.sample_m[1] = realIn(f, t, 'mm', GE0) / 1000.0;
    }),
    one(['-sample_height', '-sample_z', '-xtal_height', '-xtal_z', '-sample_heigh', '-xtal_heigh', '-height', '-heigh'], 'mm', 'mm', 'crystal size along c (overrides -Nc; clipped by -beamsize)', 'from -Nc', (a, t, f) => {
      a.sample_m[2] = realIn(f, t, 'mm', GE0) / 1000.0;
    }),
    // beam
    one(['-lambda', '-wave'], 'Å', 'Å', 'wavelength', '1', (a, t, f) => (a.lambda_m = positive(f, t, realIn(f, t, 'Å', GT0) / 1.0e10, 'Å'))),
    one(['-energy'], 'eV', 'eV', 'photon energy instead of -lambda (last of the two wins)', '12398.42', (a, t, f) => {
      a.lambda_m = positive(f, t, 12398.42 / realIn(f, t, 'eV', GT0) / 1.0e10, 'eV');
    }),
    one(['-polar'], 'K', 'Kahn factor', 'Kahn polarization factor (also undoes -nopolar)', '0', (a, t, f) => {
      a.polarization = realIn(f, t, 'Kahn factor', KAHN);
      a.nopolar = false;
    }),
    sw(['-nopolar'], 'no polarization correction', (a) => (a.nopolar = true)),
    // incident intensity, resolved after parsing (a non-zero -flux replaces -fluence in any order): src/physics/beam.ts
    one(['-fluence'], 'photons/m^2', 'photons/m^2', 'incident fluence (replaced by -flux)', '1/r_e^2 = 1.259e29', (a, t, f) => (a.fluence = realIn(f, t, 'photons/m^2'))),
    one(['-flux'], 'photons/s', 'photons/s', 'incident flux; non-zero: fluence = flux*exposure/beamsize^2', '0 (use -fluence)', (a, t, f) => (a.flux = realIn(f, t, 'photons/s'))),
    one(['-exposure'], 's', 's', 'exposure time for -flux (<= 0: -flux ignored)', '1', (a, t, f) => (a.exposure = realIn(f, t, 's'))),
    one(['-beamsize'], 'mm', 'mm', 'beam size: fluence from -flux, and clips the crystal\'s b and c sizes (< 0: neither; 0: infinite fluence)', '0.1', (a, t, f) => (a.beamsize_m = realIn(f, t, 'mm') / 1000.0)),
    // sources (src/physics/sources.ts): C's automatic step/range rules; a negative value means unset
    one(['-divergence'], 'mrad', 'mrad', 'full divergence range, both axes', 'none', (a, t, f) => (a.div.hrange = a.div.vrange = realIn(f, t, 'mrad') / 1000.0)),
    one(['-hdivrange'], 'mrad', 'mrad', 'full horizontal divergence range', 'none', (a, t, f) => (a.div.hrange = realIn(f, t, 'mrad') / 1000.0)),
    one(['-vdivrange'], 'mrad', 'mrad', 'full vertical divergence range', 'none', (a, t, f) => (a.div.vrange = realIn(f, t, 'mrad') / 1000.0)),
    one(['-hdivstep'], 'mrad', 'mrad', 'horizontal divergence step', 'auto', (a, t, f) => (a.div.hstep = realIn(f, t, 'mrad') / 1000.0)),
    one(['-vdivstep'], 'mrad', 'mrad', 'vertical divergence step', 'auto', (a, t, f) => (a.div.vstep = realIn(f, t, 'mrad') / 1000.0)),
    one(['-hdivsteps'], 'n', 'steps', 'horizontal divergence points', 'auto', (a, t, f) => (a.div.hsteps = intIn(f, t, 'steps'))),
    one(['-vdivsteps'], 'n', 'steps', 'vertical divergence points', 'auto', (a, t, f) => (a.div.vsteps = intIn(f, t, 'steps'))),
    one(['-divsteps'], 'n', 'steps', 'divergence points on both axes', 'auto', (a, t, f) => (a.div.hsteps = a.div.vsteps = intIn(f, t, 'steps'))),
    sw(['-round_div'], 'trim the divergence grid to an ellipse', (a) => (a.div.roundDiv = true), 'on'),
    sw(['-square_div'], 'keep the whole divergence grid', (a) => (a.div.roundDiv = false)),
    one(['-dispersion'], '%', '%', 'full spectral width', '0', (a, t, f) => (a.div.dispersion = realIn(f, t, '%') / 100.0)),
    one(['-dispsteps'], 'n', 'steps', 'wavelengths across the dispersion', 'auto', (a, t, f) => (a.div.dispsteps = intIn(f, t, 'steps'))),
    one(['-sourcefile'], 'file', 'path', 'source list: X Y Z weight lambda per line (position of the source, lambda in m; weights unused, as in nanoBragg); replaces the divergence and dispersion', 'none', (a, t) => (a.sourcePath = t)),
    one(['-water'], 'µm', 'µm', 'water background of this thickness (also stops the F_latt == 0 skip; not on webgpu)', '0', (a, t, f) => (a.water_m = realIn(f, t, 'µm') / 1e6)),
    one(['-dmin'], 'Å', 'Å', 'skip every source whose d-spacing at a sub-pixel is finer than this', '0 (off)', (a, t, f) => (a.dmin_m = realIn(f, t, 'Å') * 1e-10)),
    // accepted like C, no effect on any output (docs/c-behaviour/beam.md, "No-op options")
    one(['-stolout'], 'file', 'path', 'accepted, no effect (nanoBragg never writes it)', 'none', (a, _t, f) => noop(a, f)),
    ...(['-stol', '-4stol', '-Q'] as const).map((n): OptionRow<GroupArgs['physics']> => one([n], 'file', 'path', 'read (two columns) as nanoBragg reads it; never used: no effect on the image', 'none', (a, t, f) => {
      a.stolPath = t;
      a.stolFlag = f;
      noop(a, f);
    })),
    sw(['-coherent'], 'accepted, no effect (nanoBragg never uses it)', (a) => noop(a, '-coherent')),
    one(['-density', '-sample_density'], 'g/cm^3', 'g/cm^3', 'accepted, no effect on the image', '1.0', (a, t, f) => (realIn(f, t, 'g/cm^3'), noop(a, f))),
    one(['-MW', '-molecular_weight'], 'Da', 'Da', 'accepted, no effect on the image', '', (a, t, f) => (realIn(f, t, 'Da'), noop(a, f))),
    // detector
    one(['-distance'], 'mm', 'mm', 'sample to detector (beam pivot)', '100', (a, t, f) => (a.distance_m = metres(f, t))),
    one(['-close_distance'], 'mm', 'mm', 'sample to the nearest point of the detector plane', 'from -distance', (a, t, f) => {
      a.closeDistance_m = metres(f, t);
    }),
    one(['-pixel'], 'mm', 'mm', 'pixel size', '0.1', (a, t, f) => (a.pixel_m = metres(f, t))),
    one(['-detpixels'], 'n', 'pixels', 'detector pixels along fast and slow', '1024 (from -detsize)', (a, t, f) => {
      a.detpixels_f = a.detpixels_s = intIn(f, t, 'pixels', DETPIX);
    }),
    one(['-detpixels_f', '-detpixels_x'], 'n', 'pixels', 'detector pixels along fast', 'from -detsize', (a, t, f) => {
      a.detpixels_f = intIn(f, t, 'pixels', DETPIX);
    }),
    one(['-detpixels_s', '-detpixels_y'], 'n', 'pixels', 'detector pixels along slow', 'from -detsize', (a, t, f) => {
      a.detpixels_s = intIn(f, t, 'pixels', DETPIX);
    }),
    one(['-detsize'], 'mm', 'mm', 'detector size along fast and slow (ignored where pixels are given)', '102.4', (a, t, f) => {
      a.detsize_f_m = a.detsize_s_m = metres(f, t);
    }),
    one(['-detsize_f'], 'mm', 'mm', 'detector size along fast', '102.4', (a, t, f) => (a.detsize_f_m = metres(f, t))),
    one(['-detsize_s'], 'mm', 'mm', 'detector size along slow', '102.4', (a, t, f) => (a.detsize_s_m = metres(f, t))),
    one(['-Xbeam'], 'mm', 'mm', 'direct beam position along slow (MOSFLM)', 'centre: (detsize_s+pixel)/2', (a, t, f) => {
      a.Xbeam_m = realIn(f, t, 'mm') / 1000.0;
    }),
    one(['-Ybeam'], 'mm', 'mm', 'direct beam position along fast (MOSFLM)', 'centre: (detsize_f+pixel)/2', (a, t, f) => {
      a.Ybeam_m = realIn(f, t, 'mm') / 1000.0;
    }),
    // detector conventions and geometry (docs/c-behaviour/detector.md)
    ...(['mosflm', 'xds', 'adxv', 'denzo', 'dials'] as const).map((c): OptionRow<GroupArgs['physics']> =>
      sw([`-${c}`], `${c.toUpperCase()} convention (axes, beam centre, forced pivot)`, (a) => setConvention(a, c), c === 'mosflm' ? 'on' : 'off'),
    ),
    ...([
      ['-fdet_vector', 'fdet', 'fast axis'], ['-sdet_vector', 'sdet', 'slow axis'], ['-odet_vector', 'odet', 'detector normal'],
      ['-beam_vector', 'beam', 'beam direction'], ['-polar_vector', 'polar', 'polarization (E-vector) direction'],
      ['-spindle_axis', 'spindle', 'phi rotation axis'], ['-twotheta_axis', 'twothetaAxis', 'two-theta rotation axis (not normalised)'],
    ] as const).map(([flag, key, what]): OptionRow<GroupArgs['physics']> => ({
      names: [flag], values: ['x', 'y', 'z'], unit: 'lab vector', help: `${what}; selects the CUSTOM convention`, dflt: 'convention',
      apply(a, v, f) {
        const d = detArgs(a);
        d.vectors[key as VectorName] = [realIn(f, v[0], ''), realIn(f, v[1], ''), realIn(f, v[2], '')];
        d.convention = 'custom';
        if (key === 'twothetaAxis') {
          // C's substring test: '-twotheta_axis x y z' also passes the '-twotheta' test (2theta = x degrees, pivot sample)
          d.twotheta = realIn(f, v[0], 'degrees') / RTD;
          d.pivot = 'sample';
          a.warnings.push(`'-twotheta_axis' also sets -twotheta ${v[0]} (its first value, degrees) and the sample pivot, as in nanoBragg; give -twotheta after it`);
        }
      },
    })),
    {
      names: ['-pix0_vector', '-pix0_vector_mm'], values: ['x', 'y', 'z'], unit: 'lab vector', dflt: 'none',
      help: 'accepted as nanoBragg does: selects CUSTOM, the value is never used',
      apply(a, v, f) {
        for (const t of v) realIn(f, t, '');
        detArgs(a).convention = 'custom';
        a.warnings.push(`'${f}' only selects the CUSTOM convention: nanoBragg never uses its value (pix0 comes from the beam centre and pivot)`);
      },
    },
    one(['-pivot'], 'beam|sample', 'beam or sample', 'detector pivot (CUSTOM only: the conventions force theirs)', 'beam', (a, t, f) => {
      if (t !== 'beam' && t !== 'sample') throw new ArgError(`option '${f}' expects beam or sample, got '${t}'`, f);
      detArgs(a).pivot = t;
    }),
    one(['-Xclose'], 'mm', 'mm', 'near point along fast (CUSTOM; sets the sample pivot)', 'detsize_f/2', (a, t, f) => (detArgs(a).Xclose_m = realIn(f, t, 'mm') / 1000.0)),
    one(['-Yclose'], 'mm', 'mm', 'near point along slow (CUSTOM; sets the sample pivot)', 'detsize_s/2', (a, t, f) => (detArgs(a).Yclose_m = realIn(f, t, 'mm') / 1000.0)),
    one(['-ORGX'], 'px', 'pixels', 'XDS near point along fast, pixel centres at integers (sets the sample pivot)', 'centre', (a, t, f) => (detArgs(a).ORGX = realIn(f, t, 'pixels'))),
    one(['-ORGY'], 'px', 'pixels', 'XDS near point along slow (sets the sample pivot)', 'centre', (a, t, f) => (detArgs(a).ORGY = realIn(f, t, 'pixels'))),
    one(['-detector_rotx'], 'deg', 'degrees', 'detector rotation about lab x (applied first)', '0', (a, t, f) => (detArgs(a).rotx = realIn(f, t, 'degrees') / RTD)),
    one(['-detector_roty'], 'deg', 'degrees', 'detector rotation about lab y (second)', '0', (a, t, f) => (detArgs(a).roty = realIn(f, t, 'degrees') / RTD)),
    one(['-detector_rotz'], 'deg', 'degrees', 'detector rotation about lab z (third)', '0', (a, t, f) => (detArgs(a).rotz = realIn(f, t, 'degrees') / RTD)),
    one(['-twotheta'], 'deg', 'degrees', 'detector two-theta about the convention\'s axis (sets the sample pivot)', '0', (a, t, f) => (detArgs(a).twotheta = realIn(f, t, 'degrees') / RTD)),
    {
      names: ['-curved_det'], values: ['x'], minValues: 0, unit: 'ignored value', dflt: 'off',
      help: 'spherical detector: pixels at the beam-spot distance (a following number is taken and ignored; as the last argument it does nothing, as in C)',
      apply: (a) => (a.curved = true),
    },
    one(['-img'], 'file', 'path', 'SMV image whose header sets size, pixel, distances, beam centre, phi (its pixels are not used)', 'none', (a, t) => (a.imgPath = t)),
    one(['-mask'], 'file', 'path', 'SMV mask: zero pixels are skipped; its header sets size, pixel, distances, beam centre', 'none', (a, t) => (a.maskPath = t)),
    sw(['-point_pixel'], 'no pixel solid-angle correction', (a) => (a.pointPixel = true)),
    {
      names: ['-detector_abs', '-detector_absorb'],
      values: ['µm|inf'],
      unit: 'µm attenuation depth, or inf',
      help: 'sensor attenuation depth; inf or 0 also sets the thickness to 0 at this point',
      dflt: 'unset: 1/thickness',
      apply(a, [t], f) {
        // C: strstr(value,"inf") || atof(value)==0 -> thick = 0, mu = 0; else mu = 1.0/(value*1e-6) (T-8).
        if (INFINITE.test(t)) {
          if (t.startsWith('-')) throw new ArgError(`option '${f}' value '${t}' is out of range: must be >= 0 or inf (µm)`, f);
          a.detectorThick_m = 0;
          a.detectorMu = 0;
          return;
        }
        const depth = realIn(f, t, 'µm attenuation depth, or inf', GE0);
        if (depth === 0) {
          a.detectorThick_m = 0;
          a.detectorMu = 0;
        } else {
          a.detectorMu = positive(f, t, 1.0 / (depth * 1e-6), 'µm');
        }
      },
    },
    one(['-detector_thick'], 'µm', 'µm', 'sensor thickness', '0', (a, t, f) => (a.detectorThick_m = realIn(f, t, 'µm', GE0) * 1e-6)),
    one(['-detector_thicksteps', '-thicksteps'], 'n', 'layers', 'sensor layers (<= 0: auto)', 'auto: 2 if thick', (a, t, f) => {
      a.thicksteps = intIn(f, t, 'layers', GE0);
    }),
    // sampling
    one(['-oversample'], 'n', 'sub-pixels per side', 'sub-pixels per pixel side', 'auto', (a, t, f) => {
      a.oversample = intIn(f, t, 'sub-pixels per side', GE1);
    }),
    sw(['-oversample_thick'], 'multiply the running sum by the capture fraction per sub-pixel', (a) => (a.oversampleThick = true)),
    sw(['-oversample_polar'], 'multiply the running sum by the polarization per sub-pixel', (a) => (a.oversamplePolar = true)),
    sw(['-oversample_omega'], 'multiply the running sum by the solid angle per sub-pixel', (a) => (a.oversampleOmega = true)),
    one(['-phi'], 'deg', 'degrees', 'starting spindle angle', '0', (a, t, f) => (a.phi_rad = realIn(f, t, 'degrees') / RTD)),
    one(['-osc'], 'deg', 'degrees', 'oscillation range', 'auto: 0', (a, t, f) => (a.osc_rad = realIn(f, t, 'degrees', GE0) / RTD)),
    one(['-phistep'], 'deg', 'degrees', 'spindle step', 'auto', (a, t, f) => (a.phistep_rad = realIn(f, t, 'degrees', GE0) / RTD)),
    one(['-phisteps'], 'n', 'steps', 'spindle steps (0 acts as 1)', 'auto: 1', (a, t, f) => (a.phisteps = intIn(f, t, 'steps', GE0))),
    {
      names: ['-roi'],
      values: ['xmin', 'xmax', 'ymin', 'ymax'],
      unit: 'pixel indices, fast then slow, inclusive',
      help: 'render only this block of pixels (fast then slow, inclusive, from 0)',
      dflt: 'whole detector',
      apply(a, v, f) {
        const unit = 'pixel index';
        const [xmin, xmax, ymin, ymax] = v.map((t) => intIn(f, t, unit, GE0));
        if (xmin > xmax) throw new ArgError(`option '${f}' fast range ${v[0]}..${v[1]} is empty: xmin must be <= xmax`, f);
        if (ymin > ymax) throw new ArgError(`option '${f}' slow range ${v[2]}..${v[3]} is empty: ymin must be <= ymax`, f);
        a.roi = { xmin, xmax, ymin, ymax };
      },
    },
  ]),
  // the files written from the image, the noise image, C's trace: OutputArgs
  ...grouped('output', [
    one(['-floatfile', '-floatimage'], 'file', 'path', 'raw float32 image', 'not written', (a, t) => (a.floatfile = t)),
    one(['-intfile', '-intimage'], 'file', 'path', 'SMV unsigned-short image', 'not written', (a, t) => (a.intfile = t)),
    one(['-pgmfile', '-pgmimage'], 'file', 'path', '8-bit PGM image (a later -nopgm cancels it)', 'not written', (a, t) => {
      a.pgmfile = t;
      a.nopgm = false;
    }),
    one(['-pgmscale'], 'x', 'counts per photon', 'PGM scale (<= 0: auto, 250/(5 rmsd)); like nanoBragg it also undoes -nopgm', '0 (auto)', (a, t, f) => {
      a.pgmScale = realIn(f, t, 'counts per photon');
      a.nopgm = false;
    }),
    sw(['-nopgm'], 'no PGM image (a later -pgmfile writes it again)', (a) => (a.nopgm = true)),
    one(['-scale'], 'x', '', 'int image scale factor (0: auto, 55000/max)', '0 (auto)', (a, t, f) => (a.scale = realIn(f, t, '', GE0))),
    one(['-adc'], 'counts', 'counts', 'offset added to int image pixels', '40', (a, t, f) => (a.adc = realIn(f, t, 'counts'))),
    one(['-noisefile', '-noiseimage'], 'file', 'path', 'Poisson noise SMV image (C-exact with --dtype f64; a later -nonoise cancels it)', 'not written', (a, t) => {
      a.noisefile = t;
      a.nonoise = false;
    }),
    sw(['-nonoise'], 'no noise image (a later -noisefile writes it again)', (a) => (a.nonoise = true)),
    one(['-seed'], 'n', '', 'noise seed (C stores -n; see docs/c-behaviour/noise.md)', '-time()', (a, t, f) => (a.seed = intIn(f, t, ''))),
    // C's per-pixel trace (M:3035-3055; docs/c-behaviour/stdout.md): -printout_pixel contains "-printout", so it turns it on too
    sw(['-printout'], "print C's per-pixel trace (every rendered pixel; replaces the progress meter)", (a) => (a.printout = true)),
    {
      names: ['-printout_pixel'],
      values: ['fpixel', 'spixel'],
      unit: 'pixel indices, fast then slow',
      help: "print C's per-pixel trace for this pixel only (a negative fast index: every pixel); the image is still rendered whole",
      dflt: 'every pixel',
      apply(a, v, f) {
        const [fp, sp] = v.map((t) => intIn(f, t, 'pixel index'));
        a.printout = true;
        a.printoutPixel = fp < 0 ? undefined : { f: fp, s: sp };
      },
    },
  ]),
  // how the run is driven: HostArgs
  ...grouped('host', [
    sw(['-noprogress'], 'no progress meter', (a) => (a.noprogress = true)),
    sw(['-progress'], 'progress meter (undoes -noprogress)', (a) => (a.noprogress = false), 'on'),
  ]),
];

export const BACKENDS = BACKEND_CHOICES;

export const OWN_OPTIONS: readonly OptionSpec[] = [
  ...grouped('host', [
    one(['--backend'], BACKENDS.join('|'), BACKENDS.join(', '), 'compute backend', 'auto', (a, t, f) => {
      if (!(BACKENDS as readonly string[]).includes(t)) {
        throw new ArgError(`option '${f}' value '${t}' is not one of ${BACKENDS.join(', ')}`, f);
      }
      a.backend = t as Backend;
    }),
    one(['--dtype'], DTYPES.join('|'), DTYPES.join(', '), 'floating-point precision of the pixel loop', 'f32', (a, t, f) => {
      if (!(DTYPES as readonly string[]).includes(t)) throw new ArgError(`option '${f}' value '${t}' is not one of ${DTYPES.join(', ')}`, f);
      a.dtype = t as Dtype;
    }),
    one(['--threads'], 'n', 'threads', 'worker threads for --backend wasm-threads', 'all cores', (a, t, f) => {
      a.threads = intIn(f, t, 'threads', [(v) => v >= 1 && v <= 1024, '1..1024']);
    }),
  ]),
  ...grouped('output', [
    one(['--pngfile'], 'file', 'path', 'PNG preview (log scale)', 'not written', (a, t) => (a.pngfile = t)),
    // one dash like the image flags it sits beside, though nanoBragg has no CBF output (docs/c-behaviour/outputs-cbf.md)
    one(['-cbffile'], 'file', 'path', 'miniCBF image (byte-offset, PILATUS header): the -intfile integers', 'not written', (a, t) => (a.cbffile = t)),
  ]),
  ...grouped('host', [
    sw(['--debug'], 'print the resolved configuration and timings', (a) => (a.debug = true)),
    sw(['--long-run'], `allow more than ${LONG_RUN_EVALUATIONS.toExponential(0)} evaluations (hours of work)`, (a) => (a.longRun = true)),
    one(['--batch'], 'file', 'path', 'one nanoBragg command line per line (# comments), one engine for all; the other flags apply to every line', 'none', (a, t) => (a.batch = t)),
    one(['--series'], 'n', 'images', 'n images stepping -phi by -osc; outputs numbered name_0001.ext ...', '1', (a, t, f) => {
      a.series = intIn(f, t, 'images', [(v) => v >= 1 && v <= 10_000_000, '1..10000000']);
    }),
    sw(['--help', '-help', '-h'], 'this text', (a) => (a.help = true)),
  ]),
];

/** nanoBragg options that exist in the C program but not (yet) here: refused, never ignored. */
export const NOT_IMPLEMENTED_FLAGS: readonly string[] = [
  // not in nanoBragg.c (which ignores them as unknown words): options of other nanoBragg versions
  '-trace_pixel', '-dump_pixel',
];

/** Every nanoBragg option implemented here, aliases included. */
export const NANOBRAGG_FLAGS: readonly string[] = NANOBRAGG_OPTIONS.flatMap((o) => o.names);
/** Our own options (two dashes, but -cbffile, named like the image flags; -h and -help are aliases of --help). */
export const OWN_FLAGS: readonly string[] = OWN_OPTIONS.flatMap((o) => o.names);

export const BY_NAME = new Map<string, OptionSpec>();
for (const o of [...NANOBRAGG_OPTIONS, ...OWN_OPTIONS]) for (const n of o.names) BY_NAME.set(n, o);
export const NOT_IMPLEMENTED = new Set(NOT_IMPLEMENTED_FLAGS);
export const ALL_FLAGS: readonly string[] = [...NANOBRAGG_FLAGS, ...OWN_FLAGS, ...NOT_IMPLEMENTED_FLAGS];

// ---------------------------------------------------------------------------------------------------
// C's other spellings, in one place (docs/c-behaviour/noise.md "Spellings"). nanoBragg.c (M:507-1112)
// matches most options by substring, so words scripts use (-wavelength contains "-wave", -adcoffset
// contains "-adc") work in C. We keep exact names: C_SPELLINGS maps each such spelling to our canonical
// option; one whose option is not in NANOBRAGG_OPTIONS or NOT_IMPLEMENTED_FLAGS yet stays unknown until
// that row exists (then it works without touching this table).

/** Spelling C accepts -> the canonical option name of args.ts. */
export const C_SPELLINGS: Readonly<Record<string, string>> = {
  // beam
  '-wavelength': '-lambda',
  '-wavelen': '-lambda',
  '-energy_eV': '-energy',
  '-energy_ev': '-energy',
  // detector
  '-adcoffset': '-adc',
  '-adc_offset': '-adc',
  '-detector_absorption': '-detector_abs',
  '-pixel_size': '-pixel',
  '-pixelsize': '-pixel',
  '-nopolarization': '-nopolar',
  '-curved_detector': '-curved_det',
  // rotation
  '-oscillation': '-osc',
  // crystal (mosaic, matrix: other areas)
  '-mosaic_domains': '-mosaic_dom',
  '-mosaicity': '-mosaic',
  '-mosaic_spread': '-mosaic',
  '-matrix': '-mat',
  '-mosaic_spr': '-mosaic',
  '-mosaici': '-mosaic',
  '-sample_den': '-density',
  '-molec': '-MW',
  '-molecules': '-MW',
  '-matfile': '-mat',
  '-hklfile': '-hkl',
  '-hkl_file': '-hkl',
  // outputs, noise
  '-floatimage': '-floatfile',
  '-intimage': '-intfile',
  '-pgmimage': '-pgmfile',
  '-noiseimage': '-noisefile',
  '-seeds': '-seed',
  '-water_size': '-water',
};

/**
 * Words C's own documentation (header comment, help text) or natural spellings use that C ignores: C reads
 * no pattern from them, and their value words are skipped too. We accept them with a warning. The number is
 * how many value words follow.
 */
export const C_IGNORED: Readonly<Record<string, number>> = {
  '-hdiv': 1,
  '-vdiv': 1,
  '-dispstep': 1,
  '-detsize_x': 1,
  '-detsize_y': 1,
  '-source_distance': 1,
  '-source_dist': 1,
  '-polarization': 1,
  '-phi_step': 1,
  '-phi0': 1,
  '-phistep_deg': 1,
  '-detector_thickstep': 1,
  '-N_cells': 1,
  '-Nx': 1,
  // nanoBraggCUDA's Fdump cache name (scripts pass it to both programs); nanoBragg.c has no such option and the
  // drop-in never reads or writes an Fdump cache
  '-dump': 1,
  '-noise': 0,
  '-noiseless': 0,
  '-integral_form': 0,
};

/** The warning for an ignored word. */
export function ignoredWarning(flag: string): string {
  return `'${flag}' is ignored: nanoBragg ignores it too (no such option in nanoBragg.c)`;
}


/** The detector options, created on first use. */
export function detArgs(a: Pick<PhysicsArgs, 'det'>): DetectorArgs {
  return (a.det ??= defaultDetectorArgs());
}

/** C's conventions: each sets a pivot while parsing (the set-up then forces its own, docs/c-behaviour/detector.md). */
export function setConvention(a: Pick<PhysicsArgs, 'det'>, c: Exclude<Convention, 'custom'>): void {
  const d = detArgs(a);
  d.convention = c;
  d.pivot = c === 'xds' ? 'sample' : 'beam';
}

/** Options that set the pivot as a side effect in C (last one wins; it matters only for CUSTOM). */
export const PIVOT_SIDE_EFFECT: Record<string, 'beam' | 'sample'> = {
  '-Xbeam': 'beam', '-Ybeam': 'beam', '-distance': 'beam', '-Xclose': 'sample', '-Yclose': 'sample', '-ORGX': 'sample',
  '-ORGY': 'sample', '-close_distance': 'sample', '-twotheta': 'sample',
};

/** C's `seed = -atoi(text)` (as seedFromFlag in src/physics/rng.ts; this module imports nothing). */
export function seedFromFlag(v: number): number {
  const w = Math.trunc(v) | 0;
  return w === 0 ? 0 : -w;
}

/** C's atof: the longest numeric prefix, 0 if none. */
export function atof(t: string): number {
  const m = /^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(t);
  return m ? Number(m[0]) : 0;
}

/** The options that make generated sources; a -sourcefile replaces them all. */
export const SPREAD_FLAGS = ['-divergence', '-hdivrange', '-vdivrange', '-hdivstep', '-vdivstep', '-hdivsteps', '-vdivsteps', '-divsteps',
  '-round_div', '-square_div', '-dispersion', '-dispsteps'];

