/**
 * A hand-labelled paraphrase set for search: chat messages, and queries that say what one of
 * them says in other words. Distractors share surface words with the queries ("python" the snake,
 * "reset" the router) so keyword search is tempted by the wrong message. Used by the search
 * contract suite (semantic beats keyword on MRR) and scripts/eval-paraphrase.ts (hit@1 / MRR).
 */

export interface ParaphraseDoc {
  key: string;
  text: string;
}

export interface ParaphraseCase {
  query: string;
  /** Key of the one message the query is looking for. */
  target: string;
}

const TARGETS: ParaphraseDoc[] = [
  {
    key: "car",
    text: "My automobile won't start in the mornings when it's freezing outside; the engine just clicks.",
  },
  { key: "refund", text: "How do I get my money back for an order that arrived damaged?" },
  {
    key: "doctor",
    text: "I've had a terrible headache and fever for three days, should I see a physician?",
  },
  {
    key: "flight",
    text: "Can you help me book a plane ticket from Boston to Chicago next Friday?",
  },
  { key: "cake", text: "What's a good recipe for a chocolate cake without eggs?" },
  { key: "login", text: "I forgot my login credentials and now I can't get into my account." },
  {
    key: "laptop",
    text: "My notebook computer gets very hot and the fan is loud when I play games.",
  },
  { key: "puppy", text: "Our puppy keeps chewing the furniture while we're away at work." },
  {
    key: "interview",
    text: "I'm preparing for an interview for a software engineering position next week.",
  },
  { key: "sleep", text: "I wake up at 3am every night and can't fall back asleep." },
  {
    key: "invoice",
    text: "Please send the bill for last month's consulting work to our accounting department.",
  },
  {
    key: "picnic",
    text: "Will it be pouring tomorrow afternoon? I need to decide about the picnic.",
  },
  { key: "flat", text: "We're looking to rent a two-bedroom flat close to downtown." },
  { key: "shares", text: "Should I sell my shares now that the market has dropped so much?" },
  {
    key: "venue",
    text: "We're planning our marriage ceremony for next June and still need a venue.",
  },
  {
    key: "index",
    text: "Python throws an IndexError saying the list index is out of range inside my loop.",
  },
  {
    key: "sql",
    text: "The SQL query takes forever on the big customers table; maybe it needs an index.",
  },
  { key: "japanese", text: "How do you say 'thank you very much' in Japanese?" },
  { key: "tomato", text: "The tomato plants in my backyard have yellow leaves with brown spots." },
  { key: "saving", text: "I want to put more money aside each month and cut back on spending." },
  {
    key: "berlin",
    text: "We're relocating to Berlin in the spring and need to ship our furniture.",
  },
  { key: "muscle", text: "What workout routine would help me build muscle at the gym?" },
  { key: "homework", text: "My son is struggling with his math homework in fifth grade." },
  { key: "airport", text: "Is there a cheap place to stay near the airport for one night?" },
  { key: "call", text: "Let's move our call to Thursday afternoon, something came up." },
  { key: "screen", text: "The screen of my mobile cracked after I dropped it on the pavement." },
  { key: "renewal", text: "How can I stop my monthly membership from renewing automatically?" },
  { key: "junk", text: "I keep receiving junk mail from unknown senders in my inbox." },
];

const DISTRACTORS: ParaphraseDoc[] = [
  { key: "d-cold-run", text: "Running outdoors in cold weather is hard on the lungs." },
  { key: "d-lights", text: "Turn on the lights in the living room at sunset." },
  { key: "d-doctor-note", text: "I need a note from my doctor for the school trip." },
  { key: "d-python-zoo", text: "The python at the zoo was sleeping in its glass enclosure." },
  { key: "d-router", text: "Reset the router by holding the button for ten seconds." },
  { key: "d-finance-hire", text: "Our finance team is hiring a new analyst this quarter." },
  { key: "d-meeting-notes", text: "The meeting notes are attached; please review the agenda." },
  { key: "d-leg", text: "I broke my leg skiing last winter and had surgery." },
  { key: "d-array-menu", text: "The array of dishes on the menu was overwhelming." },
  { key: "d-spam-food", text: "Spam musubi is a popular snack in Hawaii." },
  { key: "d-museum", text: "The city center has a new art museum opening next week." },
  { key: "d-school-play", text: "She sent an invitation for the school play on Saturday." },
  { key: "d-hotel-movie", text: "We watched a movie about an old hotel in the mountains." },
  { key: "d-garden-party", text: "Garden party this Saturday, bring a salad and a chair." },
  { key: "d-program", text: "The television program was canceled due to low ratings." },
  { key: "d-terminal", text: "The terminal window shows an error when I run the build script." },
  { key: "d-dessert", text: "The dessert menu includes apple pie and vanilla ice cream." },
  { key: "d-magazine", text: "My magazine subscription comes with a free tote bag." },
  { key: "d-strength", text: "Strength of materials is a core course for civil engineers." },
  { key: "d-translation", text: "Machine translation quality has improved a lot in recent years." },
  { key: "d-weather-station", text: "The weather station on the roof measures wind speed." },
  { key: "d-stock-soup", text: "Simmer the chicken stock for two hours before adding vegetables." },
  { key: "d-wedding-song", text: "They played our favorite song at my cousin's wedding." },
  { key: "d-gaming-chair", text: "I bought a new gaming chair with lumbar support." },
  { key: "d-cancel-train", text: "The train was cancelled so we took a bus instead." },
  { key: "d-email-sig", text: "Add your phone number to your email signature." },
  { key: "d-dog-show", text: "The dog show had over two hundred breeds competing." },
  { key: "d-hired-chef", text: "The restaurant hired a famous chef from Paris." },
  { key: "d-rain-boots", text: "These rain boots come in three colors." },
  { key: "d-apartment-paint", text: "We painted the apartment walls light grey." },
  { key: "d-error-budget", text: "Our service blew through its error budget for the month." },
  { key: "d-display-case", text: "The jewelry was kept in a locked display case." },
  { key: "d-temperature", text: "Set the oven temperature to 180 degrees before baking." },
  {
    key: "d-password-manager",
    text: "A password manager generates long random passwords for you.",
  },
  { key: "d-moving-average", text: "Compute the moving average of the last ten values." },
  { key: "d-child-seat", text: "The child seat must face backwards for infants." },
  { key: "d-broken-vase", text: "The cat knocked over the vase and it broke into pieces." },
  { key: "d-night-sky", text: "On a clear night the sky is full of stars." },
  { key: "d-belongings-tag", text: "Label your belongings before the school trip." },
  { key: "d-location-sharing", text: "Turn off location sharing in the app settings." },
];

export const PARAPHRASE_DOCS: ParaphraseDoc[] = [...TARGETS, ...DISTRACTORS];

export const PARAPHRASE_CASES: ParaphraseCase[] = [
  { query: "car doesn't turn on when the weather is cold", target: "car" },
  { query: "request a reimbursement for a broken purchase", target: "refund" },
  { query: "migraine and high temperature, do I need a doctor", target: "doctor" },
  { query: "reserve an airline seat for a trip", target: "flight" },
  { query: "eggless chocolate dessert baking", target: "cake" },
  { query: "locked out, forgot password", target: "login" },
  { query: "laptop overheating while gaming", target: "laptop" },
  { query: "young dog destroying the couch when left alone", target: "puppy" },
  { query: "tips for getting hired as a programmer", target: "interview" },
  { query: "insomnia in the middle of the night", target: "sleep" },
  { query: "forward the invoice to finance", target: "invoice" },
  { query: "is rain expected tomorrow", target: "picnic" },
  { query: "searching for an apartment to lease near the city center", target: "flat" },
  { query: "stocks fell, time to get out of my investments?", target: "shares" },
  { query: "wedding location ideas", target: "venue" },
  { query: "error when accessing an array element past its end", target: "index" },
  { query: "slow database lookup performance", target: "sql" },
  { query: "expressing gratitude in another language", target: "japanese" },
  { query: "vegetable garden disease on the foliage", target: "tomato" },
  { query: "personal budget tips to reduce expenses", target: "saving" },
  { query: "moving abroad and transporting household belongings", target: "berlin" },
  { query: "strength training program", target: "muscle" },
  { query: "child having difficulty with arithmetic at school", target: "homework" },
  { query: "affordable hotel by the terminal", target: "airport" },
  { query: "reschedule the meeting to later in the week", target: "call" },
  { query: "broken smartphone display", target: "screen" },
  { query: "cancel subscription", target: "renewal" },
  { query: "too many spam emails", target: "junk" },
];
