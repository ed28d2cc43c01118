"""Cue words on spaCy's tokens, found without making a spaCy Doc when the tokens are known.

spaCy's tokenizer splits the text at whitespace into chunks and tokenizes each chunk by
itself: prefixes, suffixes, infixes, special cases, all within the chunk. One step looks
across chunks: special cases whose affix-split tokens are matched over the whole Doc (spaCy's
"EE. UU.", emoticons and the like), which can change the tokens at a chunk boundary. So where
no special case can match across a boundary, a chunk has the same tokens wherever it stands,
and what spaCy once made of it can be remembered, as spaCy's tokenizer remembers it.

CueFinder.find gives exactly what the PhraseMatcher gives on the Doc of the text, in the same
order. It needs the text spaced as "word word word" (single spaces, no other whitespace), no
chunk boundary that a special case could span, and for each chunk what matters for cue words:
its tokens that can be part of one, with their places. That comes from the cache; for a
chunk never seen, from the proof that none of its tokens can be a cue word (an ASCII chunk
sharing no character with any cue word's tokens: most numbers, "748596", "748596?",
"555-123-4567"), or else from spaCy, tokenizing the new chunks together in one small Doc.
Text spaced otherwise is tokenized and matched as a whole, as before.
"""

from __future__ import annotations

import functools
import itertools
import re
from typing import Any

# spaCy is imported when a CueFinder is first made (it comes with the tokenizer it needs),
# not with this module: importing it takes a second of the service's start-up.

Cue = tuple[str, int, int]  # label, start, end (character offsets in the text)
# What a chunk is, as far as cue words go: how many tokens it has; the tokens that can be
# part of a cue word, as (index in the chunk, LOWER, start, end in the chunk); what the
# chunk before it must not end with (_preceded_by); the cue words inside it (label, start,
# end in the chunk); whether its first token may continue a cue word from the chunk before,
# and whether its last tokens may begin one that goes on in the next chunk.
Chunk = tuple[
    int,
    tuple[tuple[int, str, int, int], ...],
    tuple[str, ...],
    tuple[tuple[str, int, int], ...],
    bool,
    bool,
]
# A cue-word token in the text: its index among the text's tokens, LOWER, start, end.
Token = tuple[int, str, int, int]
# A node of the cue words' trie: the next token's LOWER -> node, and the labels of the cue
# words ending here, in the order the PhraseMatcher reports them.
Node = tuple[dict[str, Any], tuple[str, ...]]

_PLAIN: Chunk = (1, (), (), (), False, False)  # a chunk with nothing to look at: most
_OTHER_SPACE = re.compile(r"[^\S ]")  # whitespace other than " "
# Chunks remembered per language, as many as spaCy's tokenizer remembers by default; the
# cache starts over when full.
CACHE_SIZE = 10_000


class CueFinder:
    """A PhraseMatcher (attr LOWER) over one language's tokens, and a way around the Doc."""

    def __init__(self, nlp: Any, patterns: dict[str, list[str]]) -> None:
        from spacy.matcher import PhraseMatcher

        self.nlp = nlp
        self.make_doc = nlp.make_doc
        self.matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        docs: list[tuple[str, str, Any]] = []
        for label, words in patterns.items():
            if words:
                label_docs = [nlp.make_doc(word) for word in words]
                self.matcher.add(label, label_docs)
                docs += [(label, word, doc) for word, doc in zip(words, label_docs, strict=True)]
        # The matcher answers with the labels' hashes.
        self.labels: dict[int, str] = {nlp.vocab.strings[label]: label for label in patterns}
        self._cache: dict[str, Chunk] = {}
        self._cue_tokens: frozenset[str] = frozenset()
        self._later_tokens: frozenset[str] = frozenset()  # in a cue word, after its first token
        self._root: dict[str, Node] = {}
        self._cue_chars: frozenset[str] = frozenset()
        self._followers_by_first: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] | None = None
        self.fast = self._build_fast_path(docs)

    # The exact answer: the Doc and the PhraseMatcher.

    def matcher_cues(self, doc: Any) -> list[Cue]:
        """(label, start, end) of each cue word the PhraseMatcher finds in the Doc."""
        matches = self.matcher(doc)
        if not matches:
            return []
        labels = self.labels
        found = []
        for key, start, end in matches:
            first = doc[start]
            last = first if end - start == 1 else doc[end - 1]
            found.append((labels[key], first.idx, last.idx + len(last)))
        return found

    def find(self, text: str) -> list[Cue]:
        """What matcher_cues(make_doc(text)) gives, without that Doc when it can."""
        if (
            self.fast
            and text
            and text[0] != " "
            and text[-1] != " "
            and "  " not in text
            and (text.isprintable() or _OTHER_SPACE.search(text) is None)
        ):
            # Words separated by single spaces: spaCy's chunks are text.split(" ").
            cues = self.chunk_cues(text)
            if cues is not None:
                return cues
        return self.matcher_cues(self.make_doc(text))

    # Chunk by chunk.

    def chunk_cues(self, text: str) -> list[Cue] | None:
        """The cue words of a single-spaced text from its chunks; None when it cannot tell.

        Each remembered chunk carries the cue words inside it. When no cue word can run from
        one chunk into the next, those are the text's cue words, chunk after chunk; otherwise
        the chunks' cue-word tokens are matched one by one, as _by_tokens does for a text with
        a chunk never seen.
        """
        cache = self._cache
        found: list[Cue] = []
        tokens: list[Token] = []  # the cue-word tokens, as _by_tokens numbers them
        spans = False  # whether a cue word may run from one chunk into the next
        index = start = 0  # the chunk's first token is token `index` and starts at `start`
        previous = ""
        open_after = -1  # the token right after a chunk whose last tokens may begin a cue
        for chunk in text.split(" "):
            entry = cache.get(chunk) or self._inert(chunk)
            if entry is None:
                return self._by_tokens(text.split(" "))  # a new chunk
            if entry is not _PLAIN:
                count, words, preceded_by, inside, continues, opens = entry
                if preceded_by and previous.endswith(preceded_by):
                    return None  # a special case of the tokenizer could span the two chunks
                if continues and index == open_after:
                    spans = True
                for label, cue_start, cue_end in inside:
                    found.append((label, start + cue_start, start + cue_end))
                for k, lower, token_start, token_end in words:
                    tokens.append((index + k, lower, start + token_start, start + token_end))
                if opens:
                    open_after = index + count
                index += count - 1
            index += 1
            start += len(chunk) + 1
            previous = chunk
        # Where one may, the tokens are matched across the chunks, as _by_tokens would.
        return self._match(tokens) if spans else found

    def _by_tokens(self, chunks: list[str]) -> list[Cue] | None:
        """chunk_cues, token by token, with the new chunks tokenized together in one Doc."""
        cache = self._cache
        entries = [cache.get(chunk) or self._inert(chunk) for chunk in chunks]
        new = [i for i, entry in enumerate(entries) if entry is None]
        if new:
            tokenized = self._tokenize([chunks[i] for i in new])
            if tokenized is None:
                return None
            for i, made in zip(new, tokenized, strict=True):
                entries[i] = made
        tokens: list[Token] = []  # the cue-word tokens
        index = start = 0
        previous = ""
        for chunk, entry in zip(chunks, entries, strict=True):
            count, words, preceded_by, _, _, _ = entry or _PLAIN
            if preceded_by and previous.endswith(preceded_by):
                return None
            for k, lower, token_start, token_end in words:
                tokens.append((index + k, lower, start + token_start, start + token_end))
            index += count
            start += len(chunk) + 1
            previous = chunk
        return self._match(tokens) if tokens else []

    def _tokenize(self, chunks: list[str]) -> list[Chunk] | None:
        """The chunks' entries, from one Doc of them; None when that would not be exact.

        Joined by single spaces they are tokenized each by itself, as in the text, unless a
        special case spans two of them: the test chunk_cues makes on the text.
        """
        previous = ""
        for chunk in chunks:
            preceded_by = self._preceded_by(chunk)
            if preceded_by and previous.endswith(preceded_by):
                return None
            previous = chunk
        cue_tokens = self._cue_tokens
        tokens = iter(self.make_doc(" ".join(chunks)))
        entries = []
        start = 0
        for chunk in chunks:
            end = start + len(chunk)
            words = []
            count = 0
            position = start
            for token in tokens:
                if token.idx != position:
                    return None  # not this chunk's tokens, end to end
                length = len(token)
                lower = token.lower_
                if lower in cue_tokens:
                    words.append((count, lower, position - start, position - start + length))
                count += 1
                position += length
                if position >= end:
                    break
            if position != end:
                return None
            entries.append(self._remember(chunk, count, tuple(words)))
            start = end + 1
        return entries

    def _remember(
        self, chunk: str, count: int, words: tuple[tuple[int, str, int, int], ...]
    ) -> Chunk:
        """The chunk's entry, remembered: like spaCy's tokenizer, every chunk, as many as
        CACHE_SIZE (then the cache starts over)."""
        preceded_by = self._preceded_by(chunk)
        if not words and not preceded_by:
            entry = _PLAIN
        elif not words:
            # Without cue-word tokens the chunk counts as one token: cue words cannot run
            # over it either way, and the tokens before and after it keep their distance.
            entry = (1, (), preceded_by, (), False, False)
        else:
            inside = tuple(self._match(list(words)))
            continues = words[0][0] == 0 and words[0][1] in self._later_tokens
            entry = (count, words, preceded_by, inside, continues, self._opens(count, words))
        if len(self._cache) >= CACHE_SIZE:
            self._cache.clear()
        self._cache[chunk] = entry
        return entry

    def _opens(self, count: int, words: tuple[tuple[int, str, int, int], ...]) -> bool:
        """True when the chunk's last tokens may be the beginning of a longer cue word."""
        if words[-1][0] != count - 1:
            return False  # the last token is no cue-word token
        for k in range(len(words)):
            if words[-1][0] - words[k][0] != len(words) - 1 - k:
                continue  # not cue-word tokens all the way to the end
            node = self._root.get(words[k][1])
            for _, lower, _, _ in words[k + 1 :]:
                if node is None:
                    break
                node = node[0].get(lower)
            if node is not None and node[0]:
                return True
        return False

    def _match(self, tokens: list[Token]) -> list[Cue]:
        """The PhraseMatcher's walk: by first token, then shortest first, labels in its order."""
        found: list[Cue] = []
        root = self._root
        for k, (index, lower, start, end) in enumerate(tokens):
            node = root.get(lower)
            if node is None:
                continue
            children, labels = node
            for label in labels:
                found.append((label, start, end))
            j = k + 1
            while children and j < len(tokens) and tokens[j][0] == index + (j - k):
                node = children.get(tokens[j][1])
                if node is None:
                    break
                children, labels = node
                for label in labels:
                    found.append((label, start, tokens[j][3]))
                j += 1
        return found

    def _inert(self, chunk: str) -> Chunk | None:
        """A chunk none of whose tokens can be a cue word, however spaCy splits it.

        Tokens are pieces of the chunk, and an ASCII token's LOWER is its lower-case form,
        made of the lower-case chunk's characters: with none of the cue-word tokens'
        characters among those, no token of the chunk is a cue-word token.
        """
        if chunk.isascii() and self._cue_chars.isdisjoint(chunk.lower()):
            return self._remember(chunk, 1, ())
        return None

    def _preceded_by(self, chunk: str) -> tuple[str, ...]:
        """What the chunk before must end with for a special case to span the two.

        A special case can run from one chunk into the next only if this chunk starts with
        a token of it that follows another, and the chunk before ends with that other one.
        """
        if self._followers_by_first is None:  # worked out when first needed, not at start-up
            self._followers_by_first = _special_case_followers(self.nlp.tokenizer)
        options = self._followers_by_first.get(chunk[0])
        if options is None:
            return ()
        before: set[str] = set()
        for right, lefts in options:
            if chunk.startswith(right):
                before.update(lefts)
        return tuple(sorted(before))

    # Built once.

    def _build_fast_path(self, pattern_docs: list[tuple[str, str, Any]]) -> bool:
        """The cue words' trie and what chunk_cues needs; False when it cannot be exact."""
        import spacy.lang.lex_attrs
        from spacy.attrs import LOWER

        getters = self.nlp.vocab.lex_attr_getters
        if getters.get(LOWER) is not spacy.lang.lex_attrs.lower:
            return False  # "an ASCII token's LOWER is its lower-case form" would not hold
        sequences: dict[tuple[str, ...], tuple[Any, set[str]]] = {}
        for label, word, doc in pattern_docs:
            if len(doc) == 1 and not any(c.isspace() for c in word):
                sequence: tuple[str, ...] = (word.lower(),)  # the one token is the word
            else:
                sequence = tuple(token.lower_ for token in doc)
            if sequence:
                sequences.setdefault(sequence, (doc, set()))[1].add(label)
        self._cue_tokens = frozenset(lower for sequence in sequences for lower in sequence)
        if any(any(c.isspace() for c in lower) for lower in self._cue_tokens):
            return False  # whitespace tokens in cue words: not handled here
        self._cue_chars = frozenset("".join(self._cue_tokens))
        self._later_tokens = frozenset(lower for sequence in sequences for lower in sequence[1:])
        trie: dict[str, Any] = {}
        for sequence, (doc, label_set) in sequences.items():
            labels = tuple(label_set)
            if len(labels) > 1:  # in the order the matcher reports them, on the word itself
                labels = tuple(
                    self.labels[key]
                    for key, start, end in self.matcher(doc)
                    if start == 0 and end == len(doc)
                )
            level = trie
            for lower in sequence[:-1]:
                level = level.setdefault(lower, [{}, ()])[0]
            level.setdefault(sequence[-1], [{}, ()])[1] = labels
        self._root = _freeze(trie)
        return True


@functools.cache
def _special_case_followers(tokenizer: Any) -> dict[str, tuple[tuple[str, tuple[str, ...]], ...]]:
    """Which special-case tokens can follow which, for CueFinder._preceded_by: by the first
    character of the token that follows, (that token, the tokens it can follow).

    spaCy matches special cases over the whole Doc in the tokens they would have without
    the special case (`_tokenize_affixes(rule, False)`, what a tokenizer without rules makes
    of it), for the rules with an affix or a space when `faster_heuristics` is on. A match
    runs over a chunk boundary only if the chunk before ends with one of those tokens and the
    chunk after starts with the one that follows it in the rule. Shared by every extractor
    of the process, like the tokenizer.
    """
    from spacy.tokenizer import Tokenizer

    bare = Tokenizer(
        tokenizer.vocab,
        rules={},
        prefix_search=tokenizer.prefix_search,
        suffix_search=tokenizer.suffix_search,
        infix_finditer=tokenizer.infix_finditer,
        token_match=tokenizer.token_match,
        url_match=tokenizer.url_match,
    )
    followed: dict[str, set[str]] = {}
    for rule in tokenizer.rules:
        if tokenizer.faster_heuristics and not (
            tokenizer.find_prefix(rule)
            or tokenizer.find_infix(rule)
            or tokenizer.find_suffix(rule)
            or " " in rule
        ):
            continue
        orths = [token.text for token in bare(rule)]
        for left, right in itertools.pairwise(orths):
            followed.setdefault(right, set()).add(left)
    by_first: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
    for right in sorted(followed):
        by_first.setdefault(right[0], []).append((right, tuple(sorted(followed[right]))))
    return {c: tuple(options) for c, options in by_first.items()}


def _freeze(level: dict[str, Any]) -> dict[str, Node]:
    return {lower: (_freeze(children), labels) for lower, (children, labels) in level.items()}
