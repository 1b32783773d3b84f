/**
 * A small synthetic item bank in the bank schema (src/items/types.ts), for tests, fast notebooks and
 * simulations when no real bank (`cefrlab items bank`) is at hand. Difficulties are drawn uniformly inside
 * each bin; the words, pseudowords and passages are fixed lists here and carry no difficulty information
 * of their own (they are placeholders, not a calibrated bank).
 */
import { Rng } from '../runtime/rng';
import type { Item, ItemFormat, YesNoStimulus } from '../items/types';
import { BIN_COUNT, binRange } from '../scale/cefr-scale';
import { makeYesNoItem } from '../items/yesno';
import { buildCTest } from '../items/ctest';

const WORDS = (
  'house water green table river friend window garden summer letter market winter doctor bridge mountain ' +
  'silver animal basket candle forest island jacket kitchen ladder mirror needle orange pencil rabbit saddle ' +
  'ticket valley wallet yellow anchor bottle cotton desert engine feather hammer insect jungle kettle lemon ' +
  'meadow noble oyster pepper quarry ribbon shadow timber uphill velvet whisper zealous abundant brittle ' +
  'candid diligent eloquent frugal gregarious hapless impetuous jovial laconic meticulous nefarious obsolete ' +
  'pragmatic quixotic resilient sanguine tenuous ubiquitous vicarious wary'
).split(' ');

const SYLLABLES = ['bl', 'cr', 'dr', 'fl', 'gr', 'pl', 'st', 'tr', 'sn', 'v', 'm', 'k', 'r', 'l', 'n', 'p', 't', 'sh'];
const VOWELS = ['a', 'e', 'i', 'o', 'u', 'ea', 'oo', 'ai'];
const CODAS = ['', 'n', 'st', 'ck', 'mp', 'rd', 'le', 'sh', 'nt', 'ss'];

function pseudoword(rng: Rng): string {
  const parts = 2 + rng.int(2);
  let w = '';
  for (let i = 0; i < parts; i++) w += SYLLABLES[rng.int(SYLLABLES.length)] + VOWELS[rng.int(VOWELS.length)];
  return w + CODAS[rng.int(CODAS.length)];
}

const PASSAGES = [
  'The town lies on a wide river. Every morning the fishermen take their boats out before the sun comes up, and they return at noon with baskets full of silver fish. Their children wait for them on the old stone bridge. In the evening the whole town smells of smoke and salt.',
  'My grandmother kept a small garden behind her house. She grew beans, tomatoes and a few rows of potatoes, and she knew the name of every plant and insect in it. When I visited her in the summer she taught me how to water the seedlings without washing away the soil. I still think of her whenever it rains.',
  'Public libraries changed a great deal in the last twenty years. Many of them now lend laptops, offer free courses and give people a quiet place to work when their homes are crowded. Librarians spend less time stamping books and more time helping visitors find reliable information online. The buildings are busier than ever.',
  'The expedition reached the glacier after nine days of walking. The scientists drilled several cores of ice and stored them in insulated boxes, because the samples would tell them how the climate had changed over many centuries. Measuring the tiny bubbles of ancient air trapped inside requires extraordinary care. The results were published two years later.',
  'Economists have long debated whether minimum wages reduce employment. Early theoretical models predicted that raising the price of labour would inevitably lead firms to hire fewer workers, particularly among the young and the unskilled. Empirical studies comparing neighbouring regions, however, frequently found negligible effects on overall employment levels. The controversy has not been settled.',
  'Our train was late again this morning. The announcer said that a tree had fallen onto the line near the next station, so everybody had to wait on the platform in the cold. Some people called their offices while others simply went back home. I bought a coffee and read my book until the train finally arrived.',
];

export interface SyntheticBankOptions {
  /** Items per format and bin (default 20). */
  perBin?: number;
  formats?: ItemFormat[];
  /** Stimuli per yes/no item (default 10, half words). */
  stimuli?: number;
  seed?: number;
}

/** A bank of perBin × 11 items per format, difficulties uniform within each bin. */
export function syntheticBank(options: SyntheticBankOptions = {}): Item[] {
  const perBin = options.perBin ?? 20;
  const formats = options.formats ?? ['yesno', 'ctest'];
  const nStim = options.stimuli ?? 10;
  const rng = new Rng(options.seed ?? 0);
  const items: Item[] = [];
  for (const format of formats) {
    let n = 0;
    for (let bin = 0; bin < BIN_COUNT; bin++) {
      const [lo, hi] = binRange(bin);
      for (let j = 0; j < perBin; j++) {
        // Stay half a point inside the bin so rounding never moves the item to a neighbour.
        const difficulty = lo + 0.01 + rng.float() * (hi - lo - 0.02 + (bin === BIN_COUNT - 1 ? 0 : 0.49));
        const id = `${format}-${String(++n).padStart(5, '0')}`;
        if (format === 'yesno') {
          const words = rng.shuffle(WORDS.slice()).slice(0, Math.ceil(nStim / 2));
          const stimuli: YesNoStimulus[] = [
            ...words.map((text) => ({ text, real: true, difficulty })),
            ...Array.from({ length: nStim - words.length }, () => ({ text: pseudoword(rng), real: false, difficulty })),
          ];
          items.push(makeYesNoItem(id, rng.shuffle(stimuli)));
        } else {
          items.push(buildCTest(PASSAGES[rng.int(PASSAGES.length)], { id, difficulty, maxGaps: 8 }));
        }
      }
    }
  }
  return items;
}
