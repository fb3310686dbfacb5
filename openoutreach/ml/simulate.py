"""Replay the qualify lane on a pool with hidden truth: how many LLM calls, and how right the result is.

Used by the tests (the earned-auto-decision trap) and by bench/ml_policy.py. A pool is embeddings plus
the truth; the "LLM" is an oracle that answers the truth, flipped with probability `llm_error` (the
draw is per person, as a noisy judge that is wrong about someone stays wrong about them).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from openoutreach.ml.qualifier import Candidate, Label, Qualifier, QualifierConfig


@dataclass(frozen=True)
class PolicyOutcome:
    llm_calls: int
    auto_accepted: int
    auto_rejected: int
    qualified: int  # leads ending with label 1
    true_fits: int
    recall: float  # of the true fits, the share that ended qualified
    precision: float  # of the qualified, the share that truly fit
    agreement: float  # plain accuracy (misleading when fits are rare, reported for contrast)
    audits: int
    refits: int
    disputed: int = 0  # LLM answers held for human review at the end (counted as not qualified)
    noise_estimate: float = float("nan")  # the model's estimate of the LLM's error rate at the end
    fits_auto_rejected: int = 0  # real fits the model rejected on its own
    fits_held: int = 0  # real fits the LLM said fit, held at the end
    fits_said_no: int = 0  # real fits the LLM (and no later opinion) said do not fit
    wrong_accepted: int = 0  # qualified non-fits the model accepted on its own (the rest: LLM "fits")
    further_calls: int = 0  # of llm_calls, further opinions (on a "fits" / on a "does not fit" answer)
    further_on_no: int = 0

    @property
    def calls_per_qualified_fit(self) -> float:
        found = round(self.recall * self.true_fits)
        return self.llm_calls / found if found else float("inf")


def noisy_oracle(truth: np.ndarray, llm_error: float, seed: int) -> np.ndarray:
    """What the LLM would answer about each person: the truth, flipped for a random `llm_error` share."""
    flips = np.random.default_rng(seed).random(len(truth)) < llm_error
    return np.where(flips, 1 - truth, truth).astype(int)


def score(final: np.ndarray, truth: np.ndarray) -> tuple[float, float, float]:
    """Recall and precision of the qualified set against the truth, and plain agreement."""
    qualified = final == 1
    hits = int((qualified & (truth == 1)).sum())
    recall = hits / max(int(truth.sum()), 1)
    precision = hits / max(int(qualified.sum()), 1)
    return recall, precision, float((final == truth).mean())


def run_policy(
    vectors: np.ndarray,
    truth: np.ndarray,
    answers: np.ndarray,
    config: QualifierConfig | None = None,
    batch: int = 10,
    second: np.ndarray | None = None,
) -> PolicyOutcome:
    """Each round: decide over every undecided lead, apply the automatic decisions, ask the LLM about
    the `batch` best-ranked others (oldest-first at cold start), then take the second look at every "fits"
    answer (`Qualifier.doubted`: hold or release), as each qualify run of the service does. Before each
    round, the leads rejected alone that the current model doubts are taken back and decided again with
    the others (`Qualifier.doubted_rejections`, as the qualify lane does). Until nobody is left. Nobody is
    contacted here, so every held lead can still be held; in the product a lead whose invitation went out
    before a later model doubted it stays contacted (the connect lane takes the highest-ranked first, and a
    doubtful lead ranks low).

    With `config.second_opinion_p` > 0 and `second` (what the second opinion answers about each person),
    a doubted "fits" answer, or one whose leave-one-out probability is at or below `second_opinion_p`,
    is asked once more and the second answer decides (one more LLM call per such lead, never repeated).
    Likewise an LLM "does not fit" whose leave-one-out probability is at or above `recheck_no_p`.
    `second` may hold two rows (a second and a third opinion): the third is asked only when the second
    disagrees with the first, and the majority decides."""
    model = Qualifier(config)
    final = np.full(len(truth), -1)
    pending = list(range(len(truth)))  # index order = arrival order (oldest first)
    calls = auto_accepted = audits = 0
    asked_again = {0: 0, 1: 0}  # further opinions, by the first answer
    cfg = model.config
    asking_twice = cfg.second_opinion_p > 0 and second is not None
    if asking_twice:
        second = np.atleast_2d(second)  # (opinions, people): a second, and optionally a third, opinion
    second_said: dict = {}  # lead -> the further opinions' answers (asked once)
    further = np.zeros((0, len(truth)), dtype=int) if second is None else np.atleast_2d(second)
    further = further[: model.max_further_opinions]  # posterior mode: what the k-th further prompt answers
    alone: set[int] = set()  # the leads rejected alone (and not taken back)
    while True:
        if alone and model.revisits():  # rejections the current model doubts are taken back and asked
            ids = sorted(alone)
            back = {ids[k] for k in np.flatnonzero(model.doubted_rejections(vectors[ids]))}
            if back:  # the budget counts only the rejections that stand
                alone -= back
                pending = sorted({*pending, *back})
                model.remember_decided(vectors[sorted(alone)] if alone else [], model.accepted)
        if not pending:
            break
        decisions = model.decide([Candidate(i, vectors[i]) for i in pending])
        alone |= {d.lead_id for d in decisions if d.action == "auto_reject"}
        done: set[int] = set()
        for d in decisions:
            if d.action != "ask_llm":
                final[d.lead_id] = 1 if d.action == "auto_accept" else 0
                auto_accepted += d.action == "auto_accept"
                done.add(d.lead_id)
        for d in [d for d in decisions if d.action == "ask_llm"][:batch]:
            answer = int(answers[d.lead_id])
            calls += 1
            audits += d.audit is not None
            if model.disputed(d, answer):
                final[d.lead_id] = -1  # held for review: neither qualified nor disqualified
            else:
                final[d.lead_id] = answer
            model.add_label(Label(d.lead_id, vectors[d.lead_id], answer, d.audit))
            done.add(d.lead_id)
        if model.posterior_mode:
            calls += _posterior_opinions(model, further, second_said, final, asked_again)
            pending = [i for i in pending if i not in done]
            continue
        doubted = model.doubted()
        loo = model.loo_p() if asking_twice and model.earned else {}
        for label in model.labels:
            if label.lead_id in second_said:  # asked again once: that verdict stands
                final[label.lead_id] = second_said[label.lead_id]
                continue
            if label.label == 0 and asking_twice and loo.get(label.lead_id, 0.0) >= cfg.recheck_no_p:
                if label.lead_id not in second_said:
                    verdict, asked = majority(0, second[:, label.lead_id])
                    second_said[label.lead_id] = verdict
                    calls += asked
                final[label.lead_id] = second_said[label.lead_id]
            if label.label != 1:
                continue
            if asking_twice and (
                label.lead_id in doubted or loo.get(label.lead_id, 1.0) <= cfg.second_opinion_p
            ):
                if label.lead_id not in second_said:
                    verdict, asked = majority(1, second[:, label.lead_id])
                    second_said[label.lead_id] = verdict
                    calls += asked
                final[label.lead_id] = second_said[label.lead_id]
            else:
                final[label.lead_id] = -1 if label.lead_id in doubted else 1
        pending = [i for i in pending if i not in done]
    auto_rejected = len(alone)
    disputed = int(sum(final[label.lead_id] == -1 for label in model.labels))
    recall, precision, agreement = score(final, truth)
    labelled = np.zeros(len(truth), dtype=bool)
    labelled[[label.lead_id for label in model.labels]] = True
    fits = truth == 1
    return PolicyOutcome(
        calls, auto_accepted, auto_rejected, int((final == 1).sum()), int(truth.sum()), recall, precision,
        agreement, audits, model.refits, disputed,
        noise_estimate=model.noise_rate() if not model.cold else float("nan"),
        fits_auto_rejected=int((fits & ~labelled & (final == 0)).sum()),
        fits_held=int((fits & labelled & (final == -1)).sum()),
        fits_said_no=int((fits & labelled & (final == 0)).sum()),
        wrong_accepted=int((~fits & ~labelled & (final == 1)).sum()),
        further_calls=asked_again[0] + asked_again[1],
        further_on_no=asked_again[0],
    )  # fmt: skip


def _posterior_opinions(
    model: Qualifier,
    further: np.ndarray,
    said: dict[int, tuple[int, ...]],
    final: np.ndarray,
    counts: dict[int, int],
) -> int:
    """The second look in posterior mode (`Qualifier.second_look`, as the qualify lane takes it): while a
    lead's verdict is "ask", its next further opinion (`further[k]`: what the k-th further prompt answers
    about each person) joins its answers. Answers once asked are kept. Returns the calls made."""
    calls = 0
    answers = {label.lead_id: (label.label, *said.get(label.lead_id, ())) for label in model.labels}
    while True:
        verdicts = model.second_look(answers, len(further))
        asking = [lead for lead, (verdict, _) in verdicts.items() if verdict == "ask"]
        if not asking:
            break
        for lead in asking:
            answers[lead] = (*answers[lead], int(further[len(answers[lead]) - 1][lead]))
            said[lead] = answers[lead][1:]
            calls += 1
            counts[answers[lead][0]] += 1
    for lead, (verdict, _) in verdicts.items():
        final[lead] = {"qualified": 1, "held": -1, "rejected": 0}[verdict]
    model.remember_answers(answers)  # for the calibration and the recall target (QualifierConfig)
    return calls


def majority(first: int, others: np.ndarray) -> tuple[int, int]:
    """Ask the further opinions in `others` one by one until a strict majority of all the answers so far
    (first included) is reached, or they run out (then the last one asked decides). Returns the
    verdict and how many were asked."""
    votes = [first]
    for answer in others:
        votes.append(int(answer))
        yes = sum(votes)
        if 2 * yes > len(others) + 1 or 2 * (len(votes) - yes) > len(others) + 1:
            return int(2 * yes > len(votes)), len(votes) - 1
    return votes[-1], len(votes) - 1


def ask_everyone(truth: np.ndarray, answers: np.ndarray) -> PolicyOutcome:
    """The baseline: one LLM call per person, its answer taken as the label."""
    recall, precision, agreement = score(answers, truth)
    return PolicyOutcome(
        len(truth), 0, 0, int(answers.sum()), int(truth.sum()), recall, precision, agreement, 0, 0
    )


def synthetic_pool(
    n: int = 2000,
    fit_rate: float = 0.1,
    dim: int = 384,
    clusters: int = 40,
    spread: float = 0.6,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Unit vectors around `clusters` random centres (think: job families); the fits are the people of
    the clusters that together hold about `fit_rate` of the pool. Returns (vectors, truth)."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((clusters, dim))
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    sizes = rng.dirichlet(np.full(clusters, 2.0))
    members = rng.choice(clusters, size=n, p=sizes)
    order = rng.permutation(clusters)
    fit_clusters: list[int] = []
    share = 0.0
    for c in order:  # add clusters until the fit share is reached
        if share >= fit_rate:
            break
        fit_clusters.append(int(c))
        share += float((members == c).mean())
    noise = rng.standard_normal((n, dim)) * spread / np.sqrt(dim)
    vectors = centres[members] + noise
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    truth = np.isin(members, fit_clusters).astype(int)
    return vectors.astype(np.float32), truth
