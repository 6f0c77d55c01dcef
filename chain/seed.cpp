#include "chain/seed.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <vector>

#include "chain/bip39.h"
#include "chain/error.h"
#include "chain/hash.h"
#include "chain/wordlist_english.h"

namespace redoubt::chain {
namespace {

// Electrum's version prefixes (electrum/version.py).
constexpr std::string_view kPrefixStandard = "01";
constexpr std::string_view kPrefixSegwit = "100";
constexpr std::string_view kPrefix2fa = "101";
constexpr std::string_view kPrefix2faSegwit = "102";

// Electrum 1.x's 1626-word list (electrum/old_mnemonic.py), sorted here for
// binary search. Only membership matters: Electrum's is_old_seed() treats 12
// or 24 words that all appear in this list as an old seed.
constexpr std::array<std::string_view, 1626> kOldWords = {
    "able",       "about",        "above",      "abuse",       "accept",     "accident",
    "ache",       "acid",         "across",     "act",         "action",     "actually",
    "add",        "admire",       "admit",      "adore",       "advice",     "affection",
    "afraid",     "after",        "afternoon",  "again",       "against",    "age",
    "agony",      "agree",        "ahead",      "aim",         "air",        "alas",
    "alive",      "allow",        "almost",     "alone",       "along",      "already",
    "also",       "alter",        "although",   "always",      "amaze",      "among",
    "ancient",    "angel",        "anger",      "angry",       "animal",     "annoy",
    "another",    "answer",       "any",        "anymore",     "anyone",     "anything",
    "anyway",     "anywhere",     "apart",      "apologize",   "appear",     "apple",
    "appreciate", "approach",     "army",       "around",      "arrive",     "arrow",
    "art",        "ash",          "ashamed",    "aside",       "ask",        "asleep",
    "attack",     "attempt",      "attention",  "aunt",        "autumn",     "avoid",
    "await",      "awake",        "awaken",     "away",        "awe",        "awkward",
    "baby",       "back",         "bag",        "balance",     "ball",       "bang",
    "bank",       "bar",          "bare",       "barely",      "bathroom",   "battle",
    "beam",       "beard",        "beaten",     "beautiful",   "beauty",     "became",
    "become",     "bedroom",      "bee",        "been",        "before",     "beg",
    "began",      "begin",        "begun",      "behind",      "belief",     "believe",
    "belly",      "belong",       "bench",      "beneath",     "beside",     "best",
    "better",     "between",      "beyond",     "bid",         "bird",       "birth",
    "birthday",   "bit",          "bite",       "bitter",      "black",      "blade",
    "blame",      "blank",        "blanket",    "bleed",       "blend",      "bless",
    "blind",      "blink",        "bliss",      "block",       "blonde",     "blood",
    "bloody",     "bloom",        "blossom",    "blow",        "blue",       "blur",
    "blush",      "board",        "boat",       "body",        "bold",       "bomb",
    "bond",       "bone",         "book",       "boom",        "born",       "both",
    "bother",     "bottle",       "bottom",     "bought",      "bounce",     "bound",
    "bowl",       "box",          "boyfriend",  "brain",       "branch",     "brand",
    "brave",      "bread",        "break",      "breast",      "breath",     "breathe",
    "breeze",     "bridge",       "bright",     "bring",       "broke",      "broken",
    "brother",    "brown",        "bruise",     "brush",       "bubble",     "build",
    "built",      "bullet",       "bump",       "burden",      "burn",       "burst",
    "bury",       "bus",          "busy",       "butterfly",   "button",     "buy",
    "cage",       "calm",         "came",       "candle",      "canvas",     "cap",
    "capture",    "card",         "careful",    "carefully",   "caress",     "carry",
    "carve",      "cast",         "catch",      "caught",      "cause",      "cease",
    "ceiling",    "cell",         "center",     "certain",     "certainly",  "chain",
    "chair",      "chance",       "change",     "character",   "charm",      "chase",
    "cheap",      "cheat",        "check",      "cheek",       "cheer",      "cheese",
    "chest",      "child",        "childhood",  "children",    "chill",      "chin",
    "chocolate",  "choice",       "choke",      "choose",      "church",     "cigarette",
    "circle",     "city",         "claim",      "class",       "claw",       "clay",
    "clean",      "clear",        "clearly",    "click",       "climb",      "cling",
    "clock",      "close",        "closet",     "clothes",     "cloud",      "clue",
    "clutch",     "coat",         "coffee",     "cold",        "collapse",   "collect",
    "college",    "color",        "comfort",    "commit",      "common",     "companion",
    "company",    "compare",      "complain",   "complete",    "completely", "concern",
    "concrete",   "confidence",   "confuse",    "confusion",   "connect",    "connection",
    "consider",   "constant",     "constantly", "consume",     "content",    "continue",
    "control",    "conversation", "cookie",     "cool",        "core",       "corner",
    "cost",       "couch",        "count",      "country",     "couple",     "courage",
    "course",     "cousin",       "cover",      "coward",      "crack",      "crap",
    "crash",      "crave",        "crawl",      "crazy",       "creak",      "cream",
    "create",     "creation",     "creator",    "creature",    "creek",      "creep",
    "crime",      "crimson",      "cross",      "crowd",       "cruel",      "crumble",
    "crush",      "cry",          "crystal",    "cup",         "curl",       "curse",
    "curtain",    "curve",        "cute",       "dad",         "daddy",      "daily",
    "damn",       "dance",        "danger",     "dark",        "darkness",   "darling",
    "dart",       "date",         "daughter",   "dawn",        "deadly",     "deal",
    "dear",       "death",        "decay",      "decide",      "decision",   "deep",
    "deeply",     "defeat",       "defense",    "define",      "delicate",   "delight",
    "demand",     "demon",        "deny",       "depend",      "depress",    "depression",
    "depth",      "descend",      "describe",   "desert",      "deserve",    "desire",
    "desk",       "despair",      "desperate",  "desperately", "despite",    "destination",
    "destroy",    "determine",    "devil",      "dew",         "diamond",    "difference",
    "different",  "dig",          "dim",        "dinner",      "direction",  "dirt",
    "dirty",      "disappear",    "discover",   "disguise",    "dish",       "distance",
    "distant",    "doctor",       "dog",        "doll",        "doom",       "door",
    "dot",        "double",       "doubt",      "dove",        "down",       "drag",
    "dragon",     "drama",        "draw",       "drawn",       "dread",      "dream",
    "dreamer",    "dress",        "drift",      "drink",       "drive",      "driver",
    "drop",       "drove",        "drug",       "drum",        "drunk",      "dry",
    "duck",       "dude",         "due",        "dull",        "dumb",       "during",
    "dust",       "dusty",        "dwell",      "each",        "eager",      "early",
    "earth",      "easily",       "easy",       "eat",         "echo",       "edge",
    "effort",     "egg",          "either",     "embarrass",   "embrace",    "emotion",
    "emptiness",  "empty",        "end",        "endless",     "enemy",      "energy",
    "engine",     "enjoy",        "enough",     "enter",       "entire",     "erase",
    "escape",     "especially",   "essence",    "eternal",     "eternity",   "even",
    "evening",    "eventually",   "ever",       "everybody",   "everyday",   "everyone",
    "everything", "everytime",    "everywhere", "evil",        "exactly",    "example",
    "except",     "excuse",       "exist",      "existence",   "expect",     "experience",
    "explain",    "explode",      "explore",    "express",     "expression", "eye",
    "fact",       "fade",         "fail",       "faint",       "fairy",      "faith",
    "false",      "familiar",     "family",     "fan",         "fantasy",    "fate",
    "father",     "fault",        "favorite",   "fear",        "feast",      "feather",
    "feed",       "feet",         "felicity",   "few",         "field",      "figure",
    "fill",       "final",        "finally",    "find",        "finger",     "finish",
    "fire",       "first",        "fish",       "fist",        "five",       "fix",
    "flag",       "flame",        "flare",      "flash",       "flat",       "flesh",
    "flicker",    "flight",       "flip",       "flirt",       "float",      "flood",
    "floor",      "flow",         "flower",     "flutter",     "fly",        "focus",
    "foe",        "fog",          "fold",       "follow",      "foot",       "football",
    "footstep",   "force",        "forehead",   "forest",      "forever",    "forget",
    "forgive",    "forgot",       "forgotten",  "form",        "former",     "forth",
    "forward",    "fought",       "foul",       "fragile",     "frame",      "freak",
    "free",       "freedom",      "freely",     "freeze",      "fresh",      "friend",
    "friendship", "fright",       "frighten",   "front",       "frost",      "frown",
    "frozen",     "fruit",        "frustrate",  "fully",       "funny",      "fur",
    "further",    "future",       "gain",       "game",        "garden",     "gas",
    "gasp",       "gather",       "gay",        "gaze",        "generation", "gentle",
    "gently",     "ghost",        "giant",      "gift",        "giggle",     "girl",
    "girlfriend", "give",         "given",      "glad",        "glance",     "glare",
    "glass",      "glide",        "glorious",   "glory",       "glove",      "glow",
    "goal",       "god",          "gone",       "good",        "goodbye",    "goose",
    "got",        "gotta",        "gotten",     "government",  "grab",       "grace",
    "grade",      "grand",        "grandma",    "grant",       "grasp",      "grass",
    "great",      "green",        "greet",      "grew",        "grey",       "grief",
    "grin",       "grip",         "ground",     "group",       "grow",       "grown",
    "guard",      "guess",        "guide",      "guilt",       "guilty",     "guitar",
    "gun",        "guy",          "hair",       "half",        "hallway",    "hand",
    "handle",     "hang",         "happen",     "happiness",   "happy",      "hardly",
    "harm",       "harmony",      "harsh",      "hate",        "hatred",     "haunt",
    "heal",       "health",       "heard",      "heart",       "heartbeat",  "heat",
    "heaven",     "heavy",        "heel",       "held",        "hello",      "help",
    "here",       "hero",         "hey",        "hidden",      "hide",       "high",
    "hill",       "history",      "hit",        "hollow",      "holy",       "home",
    "honest",     "honey",        "honor",      "hook",        "hop",        "hope",
    "hopefully",  "horizon",      "horrible",   "horse",       "hospital",   "hour",
    "house",      "however",      "howl",       "hug",         "huge",       "hum",
    "human",      "hundred",      "hunger",     "hungry",      "hunt",       "hurl",
    "hurry",      "hurt",         "husband",    "ice",         "idea",       "idiot",
    "ignorance",  "ignore",       "illuminate", "illusion",    "image",      "imagination",
    "imagine",    "important",    "impossible", "inch",        "indeed",     "inhale",
    "ink",        "inner",        "innocence",  "innocent",    "insane",     "inside",
    "instead",    "insult",       "interest",   "into",        "invisible",  "invite",
    "iron",       "itself",       "jaw",        "jealous",     "jeans",      "job",
    "jock",       "join",         "joke",       "journey",     "joy",        "judge",
    "juice",      "jump",         "just",       "keep",        "kept",       "key",
    "kick",       "kid",          "kill",       "king",        "kingdom",    "kiss",
    "kitchen",    "knee",         "knife",      "knock",       "know",       "knowledge",
    "known",      "lace",         "lady",       "laid",        "land",       "language",
    "large",      "laugh",        "laughter",   "law",         "lazy",       "lead",
    "leaf",       "leap",         "learn",      "least",       "leave",      "led",
    "left",       "leg",          "less",       "lesson",      "letter",     "level",
    "lick",       "lifeless",     "lift",       "lightning",   "like",       "limb",
    "limit",      "line",         "linger",     "lip",         "liquid",     "listen",
    "little",     "lonely",       "long",       "look",        "loose",      "lord",
    "loser",      "loss",         "lot",        "loud",        "love",       "lovely",
    "lucky",      "lunch",        "lung",       "lust",        "machine",    "made",
    "magic",      "make",         "mama",       "manage",      "many",       "march",
    "mark",       "marry",        "mask",       "mass",        "master",     "match",
    "math",       "matter",       "maybe",      "mean",        "meant",      "measure",
    "meet",       "melody",       "melt",       "memory",      "men",        "mend",
    "mention",    "mercy",        "mere",       "mess",        "message",    "metal",
    "middle",     "midnight",     "might",      "mighty",      "milk",       "million",
    "mind",       "mine",         "minute",     "mirror",      "misery",     "mist",
    "mistake",    "mix",          "moan",       "mock",        "mold",       "mom",
    "moment",     "money",        "monkey",     "monster",     "month",      "moon",
    "moonlight",  "moral",        "more",       "morning",     "mostly",     "mother",
    "motion",     "mountain",     "mourn",      "mouth",       "movement",   "movie",
    "much",       "mud",          "mumble",     "murder",      "muscle",     "muse",
    "music",      "mutter",       "myself",     "mystery",     "nail",       "naked",
    "name",       "nation",       "natural",    "nature",      "near",       "nearly",
    "neck",       "need",         "needle",     "neighbor",    "neither",    "nerd",
    "nerve",      "nervous",      "never",      "new",         "next",       "nice",
    "night",      "nightmare",    "nine",       "nobody",      "nod",        "noise",
    "normal",     "north",        "nose",       "note",        "nothing",    "notice",
    "nowhere",    "numb",         "number",     "object",      "observe",    "obviously",
    "ocean",      "odd",          "ode",        "off",         "offer",      "often",
    "okay",       "once",         "only",       "open",        "opinion",    "opposite",
    "orange",     "order",        "other",      "ourselves",   "out",        "outside",
    "over",       "own",          "pack",       "page",        "painful",    "paint",
    "pair",       "pale",         "palm",       "pants",       "paper",      "paradise",
    "parent",     "park",         "party",      "pass",        "passion",    "past",
    "path",       "pathetic",     "patience",   "patient",     "pattern",    "pause",
    "pay",        "peace",        "peaceful",   "peach",       "peel",       "peer",
    "pen",        "pencil",       "people",     "perfect",     "perfection", "perfectly",
    "perhaps",    "person",       "petal",      "phone",       "physical",   "picture",
    "pie",        "piece",        "pierce",     "pig",         "pile",       "pillow",
    "pink",       "pity",         "place",      "plain",       "plan",       "planet",
    "plant",      "plastic",      "plate",      "play",        "please",     "pleasure",
    "pocket",     "poem",         "poet",       "poetry",      "point",      "poison",
    "ponder",     "pool",         "poor",       "pop",         "position",   "possess",
    "possible",   "possibly",     "pound",      "pour",        "power",      "powerful",
    "practice",   "praise",       "pray",       "prayer",      "precious",   "prefer",
    "prepare",    "presence",     "present",    "press",       "pressure",   "pretend",
    "pretty",     "price",        "pride",      "prince",      "princess",   "probably",
    "problem",    "process",      "promise",    "protect",     "proud",      "prove",
    "puff",       "pull",         "pulse",      "punch",       "pure",       "purple",
    "purpose",    "push",         "put",        "puzzle",      "queen",      "question",
    "quick",      "quickly",      "quiet",      "quietly",     "quit",       "quite",
    "rabbit",     "radio",        "rainbow",    "raise",       "random",     "rant",
    "rape",       "rare",         "rather",     "raw",         "reach",      "ready",
    "real",       "reality",      "realize",    "really",      "reason",     "rebel",
    "recall",     "receive",      "red",        "reflect",     "reflection", "refuse",
    "regret",     "relationship", "relax",      "release",     "remain",     "remember",
    "remind",     "remove",       "repeat",     "replace",     "reply",      "respect",
    "respond",    "rest",         "retreat",    "return",      "reveal",     "revenge",
    "rhyme",      "rhythm",       "rich",       "ring",        "rip",        "ripple",
    "rise",       "river",        "road",       "roam",        "roar",       "rock",
    "roll",       "root",         "rope",       "rose",        "rough",      "royal",
    "rub",        "rude",         "ruin",       "rule",        "run",        "rush",
    "sad",        "sadness",      "safe",       "said",        "sail",       "salt",
    "salty",      "sanctuary",    "sane",       "sanity",      "sat",        "satisfy",
    "save",       "savior",       "scale",      "scar",        "scary",      "scatter",
    "scene",      "scent",        "school",     "score",       "scrape",     "scratch",
    "scream",     "screen",       "screw",      "sea",         "search",     "season",
    "second",     "secret",       "seek",       "seem",        "self",       "selfish",
    "sense",      "sent",         "sentence",   "separate",    "serious",    "serve",
    "settle",     "seven",        "several",    "shade",       "shadow",     "shall",
    "shame",      "shape",        "sharp",      "shatter",     "sheep",      "sheet",
    "shelter",    "shield",       "shift",      "shimmer",     "shine",      "shiny",
    "ship",       "shirt",        "shiver",     "shock",       "shoe",       "shook",
    "shoot",      "shore",        "should",     "shoulder",    "shout",      "shove",
    "show",       "shower",       "shown",      "shut",        "shy",        "sick",
    "sigh",       "sign",         "silence",    "silent",      "silently",   "silly",
    "silver",     "simple",       "simply",     "since",       "single",     "sink",
    "sister",     "situation",    "six",        "size",        "skill",      "skin",
    "skip",       "sky",          "slam",       "slap",        "sleep",      "slept",
    "slice",      "slide",        "slight",     "slightly",    "slowly",     "small",
    "smart",      "smell",        "smile",      "smoke",       "smooth",     "snake",
    "snap",       "sneak",        "snow",       "soak",        "soar",       "sob",
    "social",     "society",      "soft",       "softly",      "soldier",    "some",
    "somebody",   "someday",      "somehow",    "someone",     "something",  "sometimes",
    "somewhere",  "son",          "song",       "soon",        "soothe",     "sorrow",
    "sorry",      "sort",         "soul",       "sound",       "space",      "speak",
    "special",    "speed",        "spell",      "spend",       "spider",     "spill",
    "spin",       "spine",        "spiral",     "spirit",      "split",      "spoken",
    "sport",      "spot",         "spread",     "spring",      "square",     "squeeze",
    "stab",       "stage",        "stain",      "stair",       "stand",      "stare",
    "start",      "state",        "stay",       "steady",      "steal",      "steel",
    "step",       "stick",        "still",      "sting",       "stir",       "stock",
    "stole",      "stolen",       "stomach",    "stone",       "stood",      "stop",
    "storm",      "story",        "straight",   "strain",      "strange",    "stranger",
    "stray",      "stream",       "street",     "strength",    "stress",     "stretch",
    "strife",     "strike",       "string",     "strip",       "stroke",     "strong",
    "struggle",   "stubborn",     "stuck",      "student",     "study",      "stuff",
    "stumble",    "stun",         "stupid",     "style",       "subject",    "such",
    "sudden",     "suddenly",     "suffer",     "suffocate",   "suicide",    "suit",
    "summer",     "sunlight",     "sunset",     "support",     "suppose",    "sure",
    "surely",     "surface",      "surprise",   "surround",    "survive",    "suspend",
    "swallow",    "sway",         "swear",      "sweat",       "sweet",      "swell",
    "swim",       "swing",        "swirl",      "sword",       "sympathy",   "table",
    "taint",      "take",         "taken",      "talent",      "talk",       "tangle",
    "tap",        "task",         "taste",      "taught",      "tea",        "teach",
    "teacher",    "team",         "tease",      "teeth",       "tell",       "tender",
    "terrible",   "terror",       "test",       "thank",       "them",       "themselves",
    "then",       "there",        "thick",      "thigh",       "thing",      "think",
    "third",      "thorn",        "those",      "thought",     "thousand",   "thread",
    "threaten",   "three",        "threw",      "throat",      "throne",     "through",
    "throughout", "throw",        "thrown",     "thump",       "thunder",    "tickle",
    "tide",       "tie",          "tight",      "tightly",     "time",       "tiny",
    "tired",      "today",        "toe",        "together",    "tomorrow",   "tongue",
    "tonight",    "too",          "tool",       "torment",     "torture",    "toss",
    "total",      "touch",        "tough",      "toward",      "tower",      "town",
    "trace",      "trade",        "trail",      "train",       "travel",     "treasure",
    "treat",      "tree",         "tremble",    "trick",       "trickle",    "trip",
    "trouble",    "truck",        "true",       "truly",       "trust",      "truth",
    "try",        "tuck",         "tumble",     "tune",        "turn",       "twenty",
    "twice",      "twirl",        "twist",      "two",         "type",       "ugly",
    "unable",     "uncle",        "under",      "underneath",  "understand", "universe",
    "unknown",    "unless",       "unlike",     "unseen",      "upon",       "upset",
    "use",        "useless",      "usually",    "utter",       "vain",       "valley",
    "value",      "vast",         "veil",       "vein",        "velvet",     "verse",
    "very",       "victim",       "view",       "violence",    "vision",     "visit",
    "voice",      "void",         "volume",     "waist",       "wait",       "walk",
    "wall",       "wander",       "want",       "war",         "warm",       "warmth",
    "warn",       "warrior",      "wash",       "waste",       "watch",      "water",
    "wave",       "weak",         "weakness",   "weapon",      "weary",      "weather",
    "weave",      "week",         "weep",       "weight",      "weird",      "welcome",
    "wet",        "whatever",     "wheel",      "whenever",    "whether",    "whisper",
    "whistle",    "white",        "whole",      "wife",        "wild",       "win",
    "window",     "winter",       "wipe",       "wise",        "wish",       "witch",
    "within",     "wolf",         "woman",      "women",       "won",        "wonder",
    "wonderful",  "wood",         "work",       "world",       "worry",      "worse",
    "worship",    "worst",        "worth",      "worthless",   "wound",      "wow",
    "wrap",       "wrinkle",      "wrist",      "write",       "written",    "wrong",
    "wrote",      "yard",         "yeah",       "yearn",       "yell",       "yellow",
    "yesterday",  "yet",          "young",      "yours",       "yourself",   "youth",
};

constexpr bool old_words_sorted() {
  for (size_t i = 1; i < kOldWords.size(); ++i) {
    if (!(kOldWords[i - 1] < kOldWords[i])) return false;
  }
  return true;
}
static_assert(old_words_sorted());

bool is_old_word(std::string_view w) {
  return std::binary_search(kOldWords.begin(), kOldWords.end(), w);
}

bool is_ascii_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

bool is_hex_digit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

// Splits normalized text (single spaces) into words.
std::vector<std::string_view> split_words(std::string_view s) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  while (pos < s.size()) {
    size_t sp = s.find(' ', pos);
    if (sp == std::string_view::npos) sp = s.size();
    out.push_back(s.substr(pos, sp - pos));
    pos = sp + 1;
  }
  return out;
}

bool has_prefix_normalized(ByteSpan normalized, std::string_view prefix) {
  static constexpr std::string_view kKey = "Seed version";
  std::array<uint8_t, 64> mac = hmac_sha512(as_span(kKey), normalized);
  std::string hex = to_hex(ByteSpan(mac).first((prefix.size() + 1) / 2));
  OPENSSL_cleanse(mac.data(), mac.size());
  return std::string_view(hex).starts_with(prefix);
}

bool is_old_normalized(std::string_view s) {
  // 16 or 32 bytes of hex (Electrum 1.x could show the raw seed).
  if ((s.size() == 32 || s.size() == 64) && std::all_of(s.begin(), s.end(), is_hex_digit)) {
    return true;
  }
  auto words = split_words(s);
  if (words.size() != 12 && words.size() != 24) return false;
  return std::all_of(words.begin(), words.end(), is_old_word);
}

// The phrase for integer `i` (big-endian bytes): base 2048, least
// significant digit first, as Electrum's mnemonic_encode.
SecureBytes encode_base2048(const SecureBytes& i) {
  auto list = bip39_english_words();
  size_t nbits = i.size() * 8;
  size_t top = 0;  // bit length
  for (size_t b = 0; b < nbits; ++b) {
    if ((i[b / 8] >> (7 - b % 8)) & 1) {
      top = nbits - b;
      break;
    }
  }
  SecureBytes out;
  for (size_t w = 0; w * 11 < top; ++w) {
    uint16_t digit = 0;
    for (size_t k = 0; k < 11; ++k) {
      size_t bit_from_lsb = w * 11 + k;
      if (bit_from_lsb >= nbits) break;
      size_t b = nbits - 1 - bit_from_lsb;
      if ((i[b / 8] >> (7 - b % 8)) & 1) digit = static_cast<uint16_t>(digit | (1u << k));
    }
    if (w > 0) out.append(as_span(" "));
    out.append(as_span(list[digit]));
  }
  return out;
}

void increment(SecureBytes& i) {
  for (size_t k = i.size(); k-- > 0;) {
    if (++i[k] != 0) return;
  }
}

}  // namespace

std::string_view to_string(ElectrumSeedKind kind) {
  switch (kind) {
    case ElectrumSeedKind::kNone:
      return "none";
    case ElectrumSeedKind::kOld:
      return "old";
    case ElectrumSeedKind::kStandard:
      return "standard";
    case ElectrumSeedKind::kSegwit:
      return "segwit";
    case ElectrumSeedKind::k2fa:
      return "2fa";
    case ElectrumSeedKind::k2faSegwit:
      return "2fa_segwit";
  }
  return "none";
}

SecureBytes normalize_electrum_text(std::string_view text) {
  if (text.size() > kMaxSeedTextLength) throw ChainError("seed phrase or passphrase too long");
  SecureBytes out(text.size());
  size_t n = 0;
  bool pending_space = false;
  for (char c : text) {
    if (static_cast<unsigned char>(c) >= 0x80) {
      throw ChainError(
          "seed phrase or passphrase contains non-ASCII characters (only English is supported)");
    }
    if (is_ascii_space(c)) {
      pending_space = n > 0;
      continue;
    }
    if (pending_space) out[n++] = ' ';
    pending_space = false;
    out[n++] = static_cast<uint8_t>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  }
  out.resize(n);
  return out;
}

bool electrum_seed_has_prefix(std::string_view phrase, std::string_view prefix) {
  return has_prefix_normalized(normalize_electrum_text(phrase).span(), prefix);
}

bool is_old_electrum_seed(std::string_view phrase) {
  return is_old_normalized(normalize_electrum_text(phrase).view());
}

ElectrumSeedKind electrum_seed_kind(std::string_view phrase) {
  SecureBytes norm = normalize_electrum_text(phrase);
  // Same order as Electrum's seed_type().
  if (is_old_normalized(norm.view())) return ElectrumSeedKind::kOld;
  if (has_prefix_normalized(norm.span(), kPrefixStandard)) return ElectrumSeedKind::kStandard;
  if (has_prefix_normalized(norm.span(), kPrefixSegwit)) return ElectrumSeedKind::kSegwit;
  size_t words = split_words(norm.view()).size();
  // Electrum 2.7 changed 2FA derivation without a new prefix; it tells the
  // two apart by word count, and only 12 or >= 20 words count as 2fa.
  if (has_prefix_normalized(norm.span(), kPrefix2fa) && (words == 12 || words >= 20)) {
    return ElectrumSeedKind::k2fa;
  }
  if (has_prefix_normalized(norm.span(), kPrefix2faSegwit)) return ElectrumSeedKind::k2faSegwit;
  return ElectrumSeedKind::kNone;
}

SecureBytes electrum_seed_to_bip32_seed(std::string_view phrase, std::string_view passphrase) {
  SecureBytes norm = normalize_electrum_text(phrase);
  SecureBytes salt = SecureBytes::from_string("electrum");
  salt.append(normalize_electrum_text(passphrase).span());
  Bytes seed = pbkdf2_sha512(norm.span(), salt.span(), 2048, 64);
  SecureBytes out(seed);
  secure_wipe(seed);
  return out;
}

SecureBytes make_electrum_seed(ElectrumSeedKind kind) {
  std::string_view prefix;
  if (kind == ElectrumSeedKind::kStandard) {
    prefix = kPrefixStandard;
  } else if (kind == ElectrumSeedKind::kSegwit) {
    prefix = kPrefixSegwit;
  } else {
    throw ChainError("can only make standard or segwit Electrum seeds");
  }
  // 132 bits = 12 words of 11 bits, in a 17-byte big-endian integer (the
  // top byte leaves room for the nonce to carry past 2^132, which gives 13
  // words as in Electrum).
  SecureBytes i(17);
  while (true) {
    if (RAND_bytes(i.data(), static_cast<int>(i.size())) != 1)
      throw ChainError("RAND_bytes failed");
    // Byte 0 holds bits 128..135; keep bits 128..131 only (132 bits total).
    i[0] &= 0x0f;
    // Electrum redraws while entropy < 2^(132-11) so the phrase has 12
    // words: bits 121..131 must not all be zero.
    bool big_enough = i[0] != 0 || (i[1] & 0xfe) != 0;
    if (big_enough) break;
  }
  while (true) {
    increment(i);  // Electrum starts at entropy + 1
    SecureBytes phrase = encode_base2048(i);
    if (is_old_normalized(phrase.view())) continue;
    // Not also a valid BIP39 mnemonic, so no wallet can mistake its type.
    if (bip39_is_valid(phrase.view())) continue;
    if (has_prefix_normalized(phrase.span(), prefix)) return phrase;
  }
}

SeedScheme scheme_for(ElectrumSeedKind kind) {
  switch (kind) {
    case ElectrumSeedKind::kStandard:
      return SeedScheme::kElectrumStandard;
    case ElectrumSeedKind::kSegwit:
      return SeedScheme::kElectrumSegwit;
    case ElectrumSeedKind::kOld:
      throw ChainError(
          "old (Electrum 1.x) seeds are not supported: restore it in Electrum-NMC and move the "
          "coins");
    case ElectrumSeedKind::k2fa:
    case ElectrumSeedKind::k2faSegwit:
      throw ChainError(
          "2FA (TrustedCoin) seeds are not supported: they need a co-signer we do not talk to");
    case ElectrumSeedKind::kNone:
      break;
  }
  throw ChainError("not an Electrum seed phrase");
}

AccountLayout account_layout(SeedScheme scheme, std::optional<std::string_view> bip39_path) {
  switch (scheme) {
    case SeedScheme::kElectrumStandard:
      return {KeyPath{}, KeyScriptType::kP2pkh};
    case SeedScheme::kElectrumSegwit:
      return {KeyPath{kHardened | 0}, KeyScriptType::kP2wpkh};
    case SeedScheme::kBip39: {
      KeyPath p = bip39_path
                      ? parse_key_path(*bip39_path)
                      : KeyPath{kHardened | 84, kHardened | kNamecoinCoinType, kHardened | 0};
      // BIP44 (purpose 44') accounts hold P2PKH keys; everything else here
      // is BIP84-style P2WPKH.
      KeyScriptType t =
          (!p.empty() && p[0] == (kHardened | 44)) ? KeyScriptType::kP2pkh : KeyScriptType::kP2wpkh;
      return {p, t};
    }
  }
  throw ChainError("unknown seed scheme");
}

}  // namespace redoubt::chain
