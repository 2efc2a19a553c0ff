// The streaming verifier every source feeds (a store's records, an export file, an HTTP export):
// recomputes each record hash, checks canonical form, contiguous seq, prev links and citations,
// rebuilds the Merkle tree with O(log n) memory and checks every signed checkpoint against the root
// at its size. It names the first bad record.
import { citationsOf } from "./citations.ts";
import { FlatFrontier } from "./flat-frontier.ts";
import type { Json } from "./json.ts";
import { type InspectedLines, inspectLine, LINE_RECORD } from "./line-inspect.ts";
import type { Frontier } from "./merkle.ts";
import { bytesToWords, wordsToBytes } from "./sha256-words.ts";
import { LedgerFormatError, openNote, parseCheckpoint, parseVerifierKey, type VerifierKey } from "./signed-note.ts";

export interface VerifyProblem {
  seq: number;
  reason: string;
  /**
   * Set when the problem is a checkpoint's own (malformed, unsigned, another origin, out of order):
   * no record is at fault, and `seq` is where the checkpoint stands (its size, one past its records).
   */
  checkpoint?: true;
}

export interface VerifyReport {
  ok: boolean;
  partition: string;
  records: number;
  /** Records read and checked here: `records` less the archived ones the chain continued past unread. */
  checkedRecords: number;
  bytes: number;
  checkpoints: number;
  firstBad?: VerifyProblem;
  problems: VerifyProblem[];
  /** Things that were not checked or that an operator should know (e.g. no verifier key given). */
  warnings: string[];
  /** Root of the tree over all records read (hex). */
  rootHash: string;
  /**
   * Records 0..covered-1 are vouched for by a checkpoint whose root matched (and, with a verifier
   * key, that it signed); the records after them are covered by no signed checkpoint yet.
   */
  covered: number;
  /**
   * Records 0..archived.records-1 were moved to an archive (JSONL): `checked` says whether they were
   * read from it here; when not, the chain and tree were continued from the archive manifest.
   * `unavailable`: archived segments the given archive directories do not hold (a directory not
   * given, or not mounted), each saying where it is: not checked, and not damage.
   */
  archived?: { records: number; checked: boolean; unavailable?: string[] };
}

export interface ChainVerifierOptions {
  partition: string;
  /** Checkpoint signatures are checked with this key; without it they are reported as unchecked. */
  verifierKey?: string;
  /** Expected origin line of the checkpoints; by default the first checkpoint's origin. */
  origin?: string;
  maxProblems?: number;
  /**
   * The caller trusts `verifierKey` (it was given, not read from the ledger): records that no
   * checkpoint signed with it covers are vouched for by nothing, so none covered at all is a
   * problem, not only a warning (a ledger whose checkpoints were removed must not pass).
   */
  requireCoverage?: boolean;
}

interface PendingCheckpoint {
  size: number;
  root: string;
  label: string;
  /** its signature was checked with the verifier key and holds (true when there is no key to check) */
  vouches: boolean;
}

function equal8(a: Int32Array, at: number, b: Int32Array, bt: number): boolean {
  for (let i = 0; i < 8; i++) if (a[at + i] !== b[bt + i]) return false;
  return true;
}

export class ChainVerifier {
  private readonly partition: string;
  private readonly key: VerifierKey | undefined;
  private origin: string | undefined;
  private readonly maxProblems: number;
  /** rank orders problems of the same seq: what is wrong with the record itself comes first. */
  private readonly problems: (VerifyProblem & { rank: number })[] = [];
  private readonly warnings: string[] = [];
  private frontier = new FlatFrontier();
  /** record lines read: the leaves of the tree */
  private accepted = 0;
  /** the seq the next record should have: one more than the last record read in order */
  private expected = 0;
  /** the last record line read is record expected - 1, so the next one's prev can be checked against it */
  private linked = true;
  /**
   * Set once a record is missing or out of order: the tree over the lines read can no longer match a
   * checkpoint of a larger size, so those are not compared (the missing records are the problem).
   */
  private sequenceBroken = false;
  private readonly unchecked: PendingCheckpoint[] = [];
  /** the previous record's hash: 8 words at prevAt of prev */
  private prev: Int32Array = new Int32Array(8);
  private prevAt = 0;
  private bytes = 0;
  private dropped = 0;
  private checked = 0;
  /** Largest size whose checkpoint matched, per kind: stored checkpoints may be forged, trusted ones not. */
  private readonly lastMatched = new Map<string, number>();
  private lastStoredSize = -1;
  /** Checkpoints whose size has not been reached yet, smallest first. */
  private pending: PendingCheckpoint[] = [];
  /** pending[next] is the smallest unchecked one (an index, not shift(): ledgers can have many). */
  private next = 0;
  /** A broken prev link at this position waiting to see whether the next link breaks too. */
  private brokenLink: number | undefined;
  private readonly hashCitations: { hash: string; citing: number }[] = [];
  private readonly mismatches: { from: number; size: number; label: string; actual: string; signed: string }[] = [];
  private unsignedWarned = false;
  /** The last "record k is missing" problem, while record k may still turn up right after (a swap). */
  private gap: { index: number; missing: number; after: number } | undefined;
  private readonly requireCoverage: boolean;
  /** Records covered by a matching checkpoint that vouches for them (see VerifyReport.covered). */
  private covered = 0;
  /** Where the chain was last continued from a manifest's state rather than from records read. */
  private resumedAt = -1;
  private archivedRange: { records: number; checked: boolean; unavailable?: string[] } | undefined;
  /** Records below this were not read (archived): a citation by hash not found may point there. */
  private unreadBelow = 0;
  /** Records the chain continued past without reading them (archived, or a segment not found). */
  private passed = 0;
  /** What gave the state the chain last continued from (an archive manifest, an export's header), as errors name it. */
  private resumedFrom = "the archive manifest";

  constructor(options: ChainVerifierOptions) {
    this.partition = options.partition;
    this.origin = options.origin;
    this.maxProblems = options.maxProblems ?? 100;
    this.key = options.verifierKey ? parseVerifierKey(options.verifierKey) : undefined;
    this.requireCoverage = options.requireCoverage === true && this.key !== undefined;
  }

  /** Records accepted so far (the tree catches up in batches, see accept). */
  get count(): number {
    return this.accepted;
  }

  /** The seq the next record should have: below it, every record was read unless reported missing. */
  get nextSeq(): number {
    return this.expected;
  }

  /** Problems found so far (some are only settled in finish). */
  get problemCount(): number {
    return this.problems.length + this.dropped;
  }

  /**
   * Continues the chain at record `size` from a state vouched for elsewhere: the hash of record
   * size-1 and the Merkle frontier after it (an archive manifest's line). Records below were not read
   * here (`unread`) or were skipped (a missing archived segment). Stored checkpoints must have been
   * given already: those below `size` cannot be compared and are counted in a warning by the caller;
   * one of exactly `size` is compared with the frontier's root now, and every later one includes it.
   * `source` names what gave the state (`sealed/archived.jsonl`, `table ledger_archived`, an export's
   * header) in the problems it may cause.
   */
  continueFrom(size: number, lastHash: Buffer, frontier: Frontier, unread: boolean, source: string): number {
    this.resumedFrom = source;
    this.passed += Math.max(0, size - this.accepted);
    this.frontier = FlatFrontier.fromFrontier(frontier);
    this.accepted = size;
    this.expected = size;
    this.linked = true;
    this.brokenLink = undefined;
    const prev = new Int32Array(8);
    bytesToWords(lastHash, 0, prev, 0);
    this.prev = prev;
    this.prevAt = 0;
    this.resumedAt = size;
    if (unread) this.unreadBelow = Math.max(this.unreadBelow, size);
    let skipped = 0;
    while (this.next < this.pending.length && this.pending[this.next]!.size < size) {
      this.next++;
      skipped++;
    }
    while (this.next < this.pending.length && this.pending[this.next]!.size === size)
      this.checkRoot(this.pending[this.next++]!);
    return skipped;
  }

  /** The report's `archived`: records 0..records-1 are archived, read here or not. */
  noteArchived(records: number, checked: boolean, unavailable: readonly string[] = []): void {
    this.archivedRange = { records, checked, ...(unavailable.length > 0 ? { unavailable: [...unavailable] } : {}) };
  }

  /** The hash of the last record read (hex) and the tree's frontier: to compare with a manifest line. */
  state(): { lastHash: string; frontier: Frontier } {
    const last = Buffer.allocUnsafe(32);
    wordsToBytes(this.prev, this.prevAt, last, 0);
    return { lastHash: last.toString("hex"), frontier: this.frontier.toFrontier() };
  }

  /** Records a problem found by the source itself (e.g. a store's index disagreeing with a record). */
  flag(seq: number, reason: string): void {
    this.problem(seq, reason);
  }

  private problem(seq: number, reason: string, rank = 0): void {
    if (this.problems.length < this.maxProblems) this.problems.push({ seq, reason, rank });
    else this.dropped++;
  }

  /** A checkpoint's own problem, filed where it stands in the records (see VerifyProblem.checkpoint). */
  private checkpointProblem(seq: number, reason: string): void {
    if (this.problems.length < this.maxProblems) this.problems.push({ seq, reason, rank: 0, checkpoint: true });
    else this.dropped++;
  }

  warn(message: string): void {
    if (!this.warnings.includes(message)) this.warnings.push(message);
  }

  /**
   * Checkpoint notes an auditor kept (e.g. published earlier), which the records must still match. A
   * malformed one is bad input, not a problem of the ledger: a LedgerFormatError says which and why.
   */
  trust(notes: readonly string[]): void {
    for (const [i, note] of notes.entries()) {
      try {
        parseCheckpoint(note);
      } catch (error) {
        const which = notes.length === 1 ? "the trusted checkpoint" : `trusted checkpoint ${i + 1} of ${notes.length}`;
        throw new LedgerFormatError(`${which} is not a signed checkpoint note: ${(error as Error).message}`);
      }
    }
    for (const note of notes) this.checkpoint(note, "trusted");
  }

  /**
   * A signed checkpoint note. `stored` ones come from the ledger itself and must appear in increasing
   * size order; `trusted` ones are copies an auditor kept (e.g. published earlier).
   */
  checkpoint(note: string, label: "stored" | "trusted" = "stored"): void {
    let parsed: ReturnType<typeof parseCheckpoint>;
    try {
      parsed = parseCheckpoint(note);
    } catch (error) {
      this.checkpointProblem(this.count, `${label} checkpoint is malformed: ${(error as Error).message}`);
      return;
    }
    const { size, rootHash, origin } = parsed;
    this.checked++;
    let vouches = true;
    if (this.origin === undefined) this.origin = origin;
    else if (origin !== this.origin) {
      vouches = false;
      this.checkpointProblem(
        size,
        `${label} checkpoint of size ${size} has origin ${JSON.stringify(origin)}, expected ${JSON.stringify(this.origin)}`,
      );
    }
    if (this.key) {
      if (openNote(note, this.key) === undefined) {
        vouches = false;
        this.checkpointProblem(size, `${label} checkpoint of size ${size} is not signed by ${this.key.keyName}`);
      }
    } else if (!this.unsignedWarned) {
      this.unsignedWarned = true;
      this.warn("checkpoint signatures were not checked: no verifier key was given");
    }
    if (label === "stored") {
      if (size < this.lastStoredSize) {
        this.checkpointProblem(
          size,
          `checkpoint of size ${size} follows one of size ${this.lastStoredSize}: checkpoints went backwards`,
        );
      }
      this.lastStoredSize = Math.max(this.lastStoredSize, size);
    }
    if (size < this.count) {
      this.checkpointProblem(
        size,
        `${label} checkpoint of size ${size} arrived after record ${this.count - 1}; it cannot be checked in order`,
      );
      return;
    }
    const entry = { size, root: rootHash, label, vouches };
    if (size === this.count) this.checkRoot(entry);
    else {
      // Stored checkpoints arrive in size order; only out-of-order ones (trusted copies) need a search.
      let at = this.pending.length;
      while (at > this.next && this.pending[at - 1]!.size > size) at--;
      this.pending.splice(at, 0, entry);
    }
  }

  private checkRoot(entry: PendingCheckpoint): void {
    if (this.sequenceBroken) {
      this.unchecked.push(entry);
      return;
    }
    const actual = this.frontier.root().toString("hex");
    const matched = this.lastMatched.get(entry.label) ?? 0;
    if (actual === entry.root) {
      this.lastMatched.set(entry.label, Math.max(matched, entry.size));
      if (entry.vouches) this.covered = Math.max(this.covered, entry.size);
      return;
    }
    // Which record to blame is settled in finish(), once every record problem is known.
    this.mismatches.push({ from: matched, size: entry.size, label: entry.label, actual, signed: entry.root });
  }

  /** One record line: buf[start, end) without its newline. Returns the record's hash. */
  record(buf: Buffer, start = 0, end = buf.length): Buffer {
    const inspected = inspectLine(buf.subarray(start, end));
    this.accept(inspected);
    const digest = Buffer.allocUnsafe(32);
    wordsToBytes(inspected.hashes, 0, digest, 0);
    return digest;
  }

  /**
   * Inspected lines in file order (see line-inspect.ts). Lines that are not records are handed to
   * `other` (an export's header and checkpoint lines); without it they are problems.
   */
  accept(lines: InspectedLines, other?: (text: string) => void): void {
    if (this.acceptClean(lines)) return;
    let note = 0;
    let cite = 0;
    let otherAt = 0;
    // Leaves join the tree in runs of consecutive records, a level at a time (flat-frontier.ts), and
    // the run is closed wherever the root is needed: a checkpoint's size, a line that is not a record.
    let runStart = 0;
    let runLength = 0;
    const flush = () => {
      this.frontier.pushMany(lines.leaves, runStart * 8, runLength);
      runLength = 0;
    };
    for (let i = 0; i < lines.count; i++) {
      if (lines.kinds[i] !== LINE_RECORD) {
        flush();
        const text = lines.others[otherAt++]!.text;
        if (other) other(text);
        else {
          this.bytes += text.length + 1;
          this.problem(this.expected, `line after record ${this.expected - 1} is not a record`);
        }
        continue;
      }
      const position = this.count;
      this.bytes += lines.lengths[i]! + 1;
      // A line whose layout does not parse has no seq: it stands where record `expected` belongs.
      const seq = lines.seqs[i]! >= 0 ? lines.seqs[i]! : this.expected;
      let linkBroken = false;
      let malformed = false;
      while (lines.notes[note]?.i === i) {
        const { reason, malformed: fatal } = lines.notes[note++]!;
        malformed ||= fatal;
        this.problem(seq, `record ${seq} ${fatal ? `is malformed: ${reason}` : reason}`);
      }
      if (malformed || seq === this.expected) {
        linkBroken = !malformed && this.linked && !equal8(lines.prevs, i * 8, this.prev, this.prevAt);
        this.expected++;
        this.linked = true;
      } else if (seq > this.expected) {
        // One problem for the gap, not one per record after it: the records after it keep their seqs.
        const after = this.expected === 0 ? "is the first record" : `follows record ${this.expected - 1}`;
        this.gap =
          seq === this.expected + 1 && this.problems.length < this.maxProblems
            ? { index: this.problems.length, missing: this.expected, after: seq }
            : undefined;
        this.problem(
          this.expected,
          seq === this.expected + 1
            ? `record ${this.expected} is missing: record ${seq} ${after}`
            : `records ${this.expected}..${seq - 1} are missing: record ${seq} ${after}`,
        );
        this.sequenceBroken = true;
        this.expected = seq + 1;
        this.linked = true;
      } else if (this.gap?.missing === seq && this.gap.after === this.expected - 1) {
        // The record said missing comes right after the one that stood in its place: two swapped records.
        this.problems[this.gap.index]!.reason =
          `records ${seq} and ${seq + 1} are swapped: record ${seq + 1} comes before record ${seq}`;
        this.gap = undefined;
        this.sequenceBroken = true;
        this.linked = false;
      } else {
        this.problem(
          position,
          `record seq ${seq} is out of order (found at position ${position}, after record seq ${this.expected - 1})`,
        );
        this.sequenceBroken = true;
        this.linked = false;
      }
      while (lines.cites[cite]?.i === i) this.checkCitations(lines.cites[cite++]!.body, seq);
      this.settleLinks(seq, linkBroken);
      // A reference, not a copy: the batch's arrays are never reused.
      this.prev = lines.hashes;
      this.prevAt = i * 8;
      if (runLength === 0) runStart = i;
      runLength++;
      this.accepted++;
      if (this.next < this.pending.length && this.pending[this.next]!.size === this.accepted) {
        flush();
        while (this.next < this.pending.length && this.pending[this.next]!.size === this.accepted) {
          this.checkRoot(this.pending[this.next++]!);
        }
      }
    }
    flush();
  }

  /**
   * A clean chunk (line-inspect.ts: records only, none with a problem, consecutive seqs, each prev the
   * hash of the line before) that continues the chain exactly where it stands is taken whole: what
   * the record-by-record loop would find in it is only its citations' problems. Returns false, having
   * done nothing, for any other chunk.
   */
  private acceptClean(lines: InspectedLines): boolean {
    const count = lines.count;
    const base = this.accepted;
    const first = this.expected;
    if (
      !lines.clean ||
      this.brokenLink !== undefined ||
      !this.linked ||
      lines.seqs[0] !== first ||
      !equal8(lines.prevs, 0, this.prev, this.prevAt)
    ) {
      return false;
    }
    for (const { i, body } of lines.cites) this.checkCitations(body, first + i);
    this.bytes += lines.bytes;
    // The tree catches up in runs that end wherever a checkpoint needs its root.
    let done = 0;
    while (this.next < this.pending.length && this.pending[this.next]!.size <= base + count) {
      const upto = this.pending[this.next]!.size - base;
      this.frontier.pushMany(lines.leaves, done * 8, upto - done);
      done = upto;
      this.accepted = base + upto;
      while (this.next < this.pending.length && this.pending[this.next]!.size === this.accepted) {
        this.checkRoot(this.pending[this.next++]!);
      }
    }
    this.frontier.pushMany(lines.leaves, done * 8, count - done);
    this.accepted = base + count;
    this.expected = first + count;
    // A reference, not a copy: the batch's arrays are never reused.
    this.prev = lines.hashes;
    this.prevAt = (count - 1) * 8;
    return true;
  }

  /**
   * Editing record k's content breaks only the link k→k+1; editing k's prev breaks k-1→k and k→k+1.
   * So a lone break at k blames k-1, two breaks in a row at k and k+1 blame k. `seq` is the record
   * just read; a link is only checked between records read in order.
   */
  private settleLinks(seq: number, broken: boolean): void {
    const held = this.brokenLink;
    if (held !== undefined) {
      this.brokenLink = undefined;
      if (broken) {
        this.problem(
          held,
          `record ${held} was altered: its prev does not match record ${held - 1} and record ${held + 1}'s prev does not match it`,
        );
        return;
      }
      if (held === this.resumedAt) {
        this.problem(
          held - 1,
          `the prev of record ${held} does not match the last_hash of the archived records up to ${held - 1} in ${this.resumedFrom}: it (or record ${held}) was altered`,
        );
      } else
        this.problem(held - 1, `record ${held - 1} was altered: its hash does not match the prev of record ${held}`);
    }
    if (broken) {
      if (seq === 0) this.problem(0, "record 0 must have 64 zeros as prev");
      else this.brokenLink = seq;
    }
  }

  /** Citations of record `seq` (its own seq: after a missing record, the line's position is one less). */
  private checkCitations(body: string, seq: number): void {
    let cites: ReturnType<typeof citationsOf>;
    try {
      cites = citationsOf(JSON.parse(body) as Json);
    } catch (error) {
      this.problem(seq, `record ${seq} has invalid citations: ${(error as Error).message}`);
      return;
    }
    for (const cite of cites) {
      if ("seq" in cite) {
        if (cite.seq >= seq) this.problem(seq, `record ${seq} cites record ${cite.seq}, which is not earlier`);
      } else this.hashCitations.push({ hash: cite.hash, citing: seq });
    }
  }

  /** Citations by hash, to be resolved by the source (an index lookup or a second pass). */
  get unresolvedCitations(): readonly { hash: string; citing: number }[] {
    return this.hashCitations;
  }

  /** Reports the result of resolving citations by hash: `seqOf(hash)` is the cited record's seq. */
  resolveCitations(seqOf: (hash: string) => number | undefined): void {
    for (const { hash, citing } of this.hashCitations) {
      const seq = seqOf(hash);
      if (seq === undefined && this.unreadBelow > 0) {
        this.warn(
          `record ${citing} cites hash ${hash.slice(0, 16)}…, which is none of the records read here: it may be one of the archived records 0..${this.unreadBelow - 1}`,
        );
      } else if (seq === undefined)
        this.problem(citing, `record ${citing} cites hash ${hash.slice(0, 16)}…, which is no record of this partition`);
      else if (seq >= citing) this.problem(citing, `record ${citing} cites record ${seq}, which is not earlier`);
    }
    this.hashCitations.length = 0;
  }

  finish(): VerifyReport {
    if (this.brokenLink !== undefined) {
      const held = this.brokenLink;
      this.brokenLink = undefined;
      this.problem(
        held - 1,
        `record ${held - 1} or record ${held} was altered: the prev of record ${held} does not match`,
      );
    }
    for (const entry of this.pending.slice(this.next)) {
      if (entry.size > this.expected) {
        this.problem(
          this.expected,
          `records ${this.expected}..${entry.size - 1} are missing: the ${entry.label} checkpoint of size ${entry.size} covers them (truncated)`,
        );
      } else this.unchecked.push(entry);
    }
    this.pending = [];
    this.next = 0;
    if (this.unchecked.length > 0) {
      const shown = this.unchecked.slice(0, 5).map((entry) => `${entry.label} ${entry.size}`);
      if (this.unchecked.length > shown.length) shown.push(`… ${this.unchecked.length} in all`);
      this.warn(
        `checkpoints not compared with the tree (records below their size are missing or out of order): ${shown.join(", ")}`,
      );
      this.unchecked.length = 0;
    }
    if (this.hashCitations.length > 0) this.warn("citations by hash were not resolved");
    for (const m of this.mismatches) {
      // The tree differs somewhere after the last checkpoint of this kind that matched. With every
      // prev link intact, the last record it covers was certainly altered and earlier ones back to
      // `from` may have been rewritten with it: blame the earliest record already known bad, else
      // the start of that range.
      const known = this.problems.filter((p) => p.rank === 0 && p.seq >= m.from && p.seq < m.size).map((p) => p.seq);
      const seq = known.length > 0 ? Math.min(...known) : Math.min(m.from, Math.max(m.size - 1, 0));
      this.problem(
        seq,
        `records ${m.from}..${m.size - 1} do not match the ${m.label} checkpoint of size ${m.size}: ` +
          `its root ${m.signed.slice(0, 16)}… differs from the ledger's root ${m.actual.slice(0, 16)}… at size ${m.size}; ` +
          (m.label === "trusted"
            ? "altered or rewritten after it was signed, or the checkpoint is another ledger's"
            : "altered or rewritten after it was signed") +
          (this.unreadBelow > 0 && m.size > this.unreadBelow
            ? ` (or the frontier ${this.resumedFrom} gives for the archived records 0..${this.unreadBelow - 1} was altered)`
            : ""),
        1,
      );
    }
    this.mismatches.length = 0;
    this.reportCoverage();
    if (this.dropped > 0) this.warn(`${this.dropped} further problems were not listed`);
    const problems = [...this.problems]
      .sort((a, b) => a.seq - b.seq || a.rank - b.rank)
      .map(({ seq, reason, checkpoint }) => ({ seq, reason, ...(checkpoint ? { checkpoint } : {}) }));
    return {
      ok: problems.length === 0,
      partition: this.partition,
      records: this.count,
      checkedRecords: this.count - this.passed,
      bytes: this.bytes,
      checkpoints: this.checked,
      ...(problems[0] ? { firstBad: problems[0] } : {}),
      problems,
      warnings: [...this.warnings],
      rootHash: this.frontier.root().toString("hex"),
      covered: this.covered,
      ...(this.archivedRange ? { archived: structuredClone(this.archivedRange) } : {}),
    };
  }

  /**
   * Says which records no checkpoint vouches for. A tail after the latest checkpoint is normal
   * between checkpoints (a warning); with a key the caller trusts, not one record covered means
   * nothing in the ledger is vouched for (checkpoints removed, or never made): a problem.
   */
  private reportCoverage(): void {
    const records = this.count;
    if (this.covered >= records) return;
    if (this.covered > 0) {
      const one = this.covered === records - 1;
      const range = one ? `record ${this.covered} is` : `records ${this.covered}..${records - 1} are`;
      this.warn(
        this.covered >= this.lastStoredSize
          ? `${range} covered by no signed checkpoint yet (the last checkpoint that matched has size ${this.covered}): normal between checkpoints, but nothing vouches for ${one ? "it" : "them"} until the next one`
          : `${range} covered by no signed checkpoint that matched (the last one that did has size ${this.covered}; the later ones failed or could not be compared)`,
      );
      return;
    }
    const why =
      this.checked === 0
        ? "the ledger has no checkpoints: never made, or removed"
        : this.key
          ? `none of its checkpoints both matches the records and is signed by ${this.key.keyName}`
          : "none of its checkpoints matches the records";
    const what =
      records === 1
        ? `record 0 is covered by no signed checkpoint: nothing vouches for it (${why})`
        : `none of the ${records} records is covered by a signed checkpoint: nothing vouches for them (${why})`;
    if (this.requireCoverage && this.problems.length === 0 && this.dropped === 0) this.problem(0, what);
    else this.warn(what);
  }
}
