/**
 * English function words: the closed classes (articles and other determiners, pronouns, prepositions,
 * conjunctions, auxiliaries and modals, negation, a few particles), as Treebank words in lower case (clitics as
 * the tokenizer splits them: "'s", "n't"). Their choice is decided by grammar more than by topic (a/an by the next
 * word's first sound, is/are by the subject, in/on/at by the noun after it), and they are where learners' errors
 * cluster, so a mask that blanks them more often (`random-words` with `pFunction`) trains what a grammar probe asks.
 * Listed here by class; no library ships a list under a licence and in a form that fits the Treebank words.
 */
const CLASSES = {
  determiners: 'a an the this that these those some any no every each either neither all both few many much more most several such another other what which whose',
  pronouns: 'i me my mine myself you your yours yourself yourselves he him his himself she her hers herself it its itself we us our ours ourselves ' +
    'they them their theirs themselves one someone anyone everyone nobody somebody anybody everybody something anything everything nothing who whom',
  prepositions: 'about above across after against along among around as at before behind below beneath beside between beyond by despite down during ' +
    'except for from in inside into like near of off on onto out outside over past since through throughout till to toward towards under until up upon with within without',
  conjunctions: 'and but or nor so yet because although though if unless while whereas whether than when where why how',
  auxiliaries: "am is are was were be been being do does did have has had having can could may might must shall should will would 'm 're 's 've 'll 'd",
  negation: "not n't never",
  particles: 'there here then very too also just only even',
};

export const FUNCTION_WORDS: ReadonlySet<string> = new Set(Object.values(CLASSES).flatMap((words) => words.split(' ')));

/** True for a function word (any case: "The", "AN"). */
export function isFunctionWord(word: string): boolean {
  return FUNCTION_WORDS.has(word.toLowerCase());
}
