"""Update rules on synthetic scores with known answers (no rendering, no torch)."""
from __future__ import annotations

import math

import numpy as np
import pytest

from scenegen.distributions import Histogram, Poisson
from scenegen.errors import UserError
from scenegen.params import space_from_dict
from tuner import fitting, gradients, metrics, updates


def one_var_space(dist: dict, support=(0.0, 1.0), dtype="float"):
    return space_from_dict({"variables": {"x": {"support": list(support), "type": dtype, "distribution": dist}}})


def draws_from(space, n, seed):
    return [space.sample([seed, i]) for i in range(n)]


def optimal_d(space, target, draws):
    """The Bayes-optimal discriminator D = p_t / (p_t + q) for renders drawn from ``space``."""
    out = []
    for z in draws:
        pt, pq = math.exp(target.log_prob(z)), math.exp(space.log_prob(z))
        out.append(pt / (pt + pq))
    return np.array(out)


TARGET_W = [0.01, 0.02, 0.03, 0.04, 0.1, 0.2, 0.3, 0.2, 0.07, 0.03]


def test_rejection_ratio_recovers_known_target_in_one_step():
    space = one_var_space({"type": "histogram", "bins": 10})
    target = one_var_space({"type": "histogram", "bins": 10, "weights": TARGET_W})
    draws = draws_from(space, 4000, seed=1)
    scores = optimal_d(space, target, draws)
    rule = updates.get_rule("rejection", accept="ratio", ratio_cap=1.0, pseudo_count=0.0, smooth=0.0, floor=0.0)
    res = rule.update(space, draws, scores, np.random.default_rng(0))
    w = np.array(res.space["x"].distribution.weights)
    # Accepting with probability ~ D/(1-D) = p_t/q turns q into p_t.
    assert np.abs(w - np.array(TARGET_W)).max() < 0.03
    before = metrics.normalized_w1(space["x"], target["x"])
    after = metrics.normalized_w1(res.space["x"], target["x"])
    assert after < 0.2 * before


def test_rejection_quantile_moves_histogram_toward_target_over_iterations():
    space = one_var_space({"type": "histogram", "bins": 10})
    target = one_var_space({"type": "histogram", "bins": 10, "weights": TARGET_W})
    rule = updates.get_rule("rejection", quantile=0.5)
    errs = [metrics.normalized_w1(space["x"], target["x"])]
    for it in range(4):
        draws = draws_from(space, 400, seed=10 + it)
        scores = optimal_d(space, target, draws)
        space = rule.update(space, draws, scores, np.random.default_rng(it)).space
        errs.append(metrics.normalized_w1(space["x"], target["x"]))
    assert errs[-1] < 0.5 * errs[0]
    # Mean moved toward the target's mean (0.61) from 0.5.
    assert space["x"].distribution.mean() > 0.55


def test_rejection_with_uninformative_scores_stays_near_prior():
    space = one_var_space({"type": "histogram", "bins": 10})
    draws = draws_from(space, 2000, seed=3)
    res = updates.get_rule("rejection", quantile=0.5).update(space, draws, np.full(2000, 0.5), np.random.default_rng(0))
    # All tie at the quantile -> everything accepted -> still ~uniform.
    assert np.abs(np.array(res.space["x"].distribution.weights) - 0.1).max() < 0.02


def test_floor_keeps_every_bin_alive():
    space = one_var_space({"type": "histogram", "bins": 10})
    draws = [{"x": 0.95}] * 50 + [{"x": 0.05}] * 50
    scores = np.array([0.9] * 50 + [0.1] * 50)
    res = updates.get_rule("rejection", quantile=0.5, floor=0.1, smooth=0.0, pseudo_count=0.0).update(
        space, draws, scores, np.random.default_rng(0))
    w = np.array(res.space["x"].distribution.weights)
    assert w.min() >= 0.1 / 10 - 1e-12
    assert w.argmax() == 9
    assert abs(w.sum() - 1) < 1e-12


def test_damping_mixes_with_previous():
    old = Histogram.uniform(0, 1, 4)
    new = Histogram(old.edges, (1.0, 0.0, 0.0, 0.0))
    mixed = fitting.damp(old, new, 0.25)
    assert np.allclose(mixed.weights, [0.75 + 0.0625, 0.0625, 0.0625, 0.0625])
    assert fitting.damp(old, new, 0.0) is new


def test_ratio_acceptance_uses_the_given_generator():
    rule = updates.RejectionRule(accept="ratio")
    s = np.linspace(0.05, 0.95, 200)
    a1 = rule.acceptance(s, np.random.default_rng(5))
    a2 = rule.acceptance(s, np.random.default_rng(5))
    assert np.array_equal(a1, a2)
    assert a1[-1]  # best draw always accepted
    assert a1[:100].mean() < a1[100:].mean()


def test_integer_histogram_and_categorical_and_poisson_and_truncnormal_fits():
    space = space_from_dict({"variables": {
        "k": {"support": [0, 4], "type": "int", "distribution": {"type": "histogram", "bins": 5}},
        "c": {"support": [1, 3], "type": "int", "distribution": {"type": "categorical", "values": [1, 2, 3]}},
        "p": {"support": [0, 20], "type": "int", "distribution": {"type": "poisson", "rate": 2.0}},
        "t": {"support": [0.0, 10.0], "distribution": {"type": "truncnormal", "mean": 5.0, "std": 3.0}},
    }})
    draws = [{"k": 3, "c": 2, "p": 6, "t": 7.5}, {"k": 3, "c": 2, "p": 8, "t": 8.5}] * 20
    rule = updates.get_rule("rejection", quantile=0.0, pseudo_count=0.0, smooth=0.0, floor=0.0)
    new = rule.update(space, draws, np.full(len(draws), 0.5), np.random.default_rng(0)).space
    assert np.allclose(new["k"].distribution.weights, [0, 0, 0, 1, 0])
    assert np.allclose(new["c"].distribution.weights, [0, 1, 0])
    assert abs(new["p"].distribution.mean() - 7.0) < 1e-6
    tn = new["t"].distribution
    assert abs(tn.mean_ - 8.0) < 1e-9 and abs(tn.std - 0.5) < 1e-9


def test_truncated_poisson_fit_corrects_for_truncation():
    po = Poisson(1.0, 0, 3)
    fitted = fitting.fit_poisson(po, [3.0] * 3 + [2.0], np.ones(4))
    assert abs(fitted.mean() - 2.75) < 1e-6
    assert fitted.rate > 2.75  # the untruncated rate must exceed the truncated mean


# ----------------------------------------------------------------------------------------------
# score function (REINFORCE)
# ----------------------------------------------------------------------------------------------
def test_reinforce_gradient_hand_solved_categorical():
    space = space_from_dict({"variables": {"c": {"support": [0, 1], "type": "int",
                                                 "distribution": {"type": "categorical", "values": [0, 1]}}}})
    draws = [{"c": 0}, {"c": 1}]
    rule = updates.ScoreRule(lr=1.0, reward="prob", normalize=False, natural=False, floor=0.0)
    # rewards (1, 0), baseline 0.5 -> advantages (0.5, -0.5); d log q / d logits = onehot - (0.5, 0.5)
    adv = rule.advantages(np.array([1.0, 0.0]))
    assert np.allclose(adv, [0.5, -0.5])
    g = updates.reinforce_gradient(space, draws, adv)["c"]
    assert np.allclose(g, [0.25, -0.25])
    new = rule.update(space, draws, np.array([1.0, 0.0]), np.random.default_rng(0)).space
    assert abs(new["c"].distribution.weights[0] - 1 / (1 + math.exp(-0.5))) < 1e-12


def test_reinforce_gradient_hand_solved_histogram_sign():
    space = one_var_space({"type": "histogram", "bins": 4})
    draws = [{"x": 0.1}, {"x": 0.9}]
    g = updates.reinforce_gradient(space, draws, np.array([1.0, -1.0]))["x"]
    # 0.5 * [1*(e0 - w) - 1*(e3 - w)] = 0.5 * (e0 - e3)
    assert np.allclose(g, [0.5, 0, 0, -0.5])


@pytest.mark.parametrize("x", [0.3, 2.0, 7.9])
def test_truncnormal_score_matches_finite_differences(x):
    space = one_var_space({"type": "truncnormal", "mean": 3.0, "std": 2.0}, support=(0.0, 8.0))
    var = space["x"]
    g = gradients.score_function(var, [x])[0]
    theta = gradients.get_theta(var.distribution)
    h = 1e-6
    num = []
    for i in range(2):
        tp, tm = theta.copy(), theta.copy()
        tp[i] += h
        tm[i] -= h
        num.append((gradients.set_theta(var.distribution, tp).log_prob(x)
                    - gradients.set_theta(var.distribution, tm).log_prob(x)) / (2 * h))
    assert np.allclose(g, num, rtol=1e-4, atol=1e-6)


def test_poisson_score_matches_finite_differences():
    space = one_var_space({"type": "poisson", "rate": 2.5}, support=(0, 6), dtype="int")
    var = space["x"]
    g = gradients.score_function(var, [4])[0, 0]
    h = 1e-6
    lp = lambda lr: Poisson(math.exp(lr), 0, 6).log_prob(4)  # noqa: E731
    num = (lp(math.log(2.5) + h) - lp(math.log(2.5) - h)) / (2 * h)
    assert abs(g - num) < 1e-5


def test_integer_histogram_score_matches_finite_differences():
    space = one_var_space({"type": "histogram", "edges": [0, 1.5, 3, 5], "weights": [0.2, 0.3, 0.5]},
                          support=(0, 4), dtype="int")
    var = space["x"]
    g = gradients.score_function(var, [1])[0]  # cell [1,2) straddles bins 0 and 1
    theta = gradients.get_theta(var.distribution)

    def logp(th):
        d = gradients.set_theta(var.distribution, th)
        return math.log(d.cdf(np.array([2.0]))[0] - d.cdf(np.array([1.0]))[0])

    h = 1e-6
    num = [(logp(theta + h * e) - logp(theta - h * e)) / (2 * h) for e in np.eye(3)]
    assert np.allclose(g, num, atol=1e-6)


def test_score_rule_moves_toward_target_with_optimal_discriminator():
    space = one_var_space({"type": "histogram", "bins": 10})
    target = one_var_space({"type": "histogram", "bins": 10, "weights": TARGET_W})
    rule = updates.get_rule("score", lr=0.5)
    e0 = metrics.normalized_w1(space["x"], target["x"])
    for it in range(6):
        draws = draws_from(space, 400, seed=100 + it)
        space = rule.update(space, draws, optimal_d(space, target, draws), np.random.default_rng(it)).space
    assert metrics.normalized_w1(space["x"], target["x"]) < 0.5 * e0


def test_score_rule_truncnormal_mean_moves_up_when_high_values_score_higher():
    space = one_var_space({"type": "truncnormal", "mean": 5.0, "std": 2.0}, support=(0.0, 10.0))
    draws = draws_from(space, 500, seed=7)
    scores = np.array([1 / (1 + math.exp(-(z["x"] - 5.0))) for z in draws])
    new = updates.get_rule("score", lr=0.2).update(space, draws, scores, np.random.default_rng(0)).space
    assert new["x"].distribution.mean_ > 5.0


def test_unknown_rule_and_option_are_user_errors():
    with pytest.raises(UserError):
        updates.get_rule("gradient-descent")
    with pytest.raises(UserError):
        updates.get_rule("rejection", temperature=3)
    with pytest.raises(UserError):
        updates.get_rule("rejection", quantile=1.5)


def test_batch_size_mismatch_raises():
    space = one_var_space({"type": "histogram", "bins": 3})
    with pytest.raises(ValueError):
        updates.get_rule("rejection").update(space, [{"x": 0.1}], np.array([0.1, 0.2]), np.random.default_rng(0))


def test_weight_acceptance_is_the_expectation_of_ratio_acceptance():
    space = one_var_space({"type": "histogram", "bins": 10})
    target = one_var_space({"type": "histogram", "bins": 10, "weights": TARGET_W})
    draws = draws_from(space, 3000, seed=4)
    scores = optimal_d(space, target, draws)
    opts = dict(ratio_cap=1.0, pseudo_count=0.0, smooth=0.0, floor=0.0)
    w = updates.get_rule("rejection", accept="weight", **opts).update(space, draws, scores, np.random.default_rng(0))
    r = updates.get_rule("rejection", accept="ratio", **opts).update(space, draws, scores, np.random.default_rng(0))
    ww = np.array(w.space["x"].distribution.weights)
    rw = np.array(r.space["x"].distribution.weights)
    assert np.abs(ww - np.array(TARGET_W)).max() < 0.02
    assert np.abs(ww - rw).max() < 0.03


# ----------------------------------------------------------------------------------------------
# rejection: power and pooling over earlier iterations
# ----------------------------------------------------------------------------------------------
def test_weight_acceptance_with_power_two_gives_the_squared_ratio():
    # q uniform, optimal D: r = p_t/q, so acceptance ~ r**2 turns q into p_t**2 (normalised).
    space = one_var_space({"type": "histogram", "bins": 10})
    target = one_var_space({"type": "histogram", "bins": 10, "weights": TARGET_W})
    draws = draws_from(space, 4000, seed=6)
    scores = optimal_d(space, target, draws)
    rule = updates.get_rule("rejection", accept="weight", power=2.0, ratio_cap=1.0, pseudo_count=0.0, smooth=0.0,
                            floor=0.0)
    p = rule.acceptance_probability(scores)
    r = scores / (1 - scores)
    assert np.allclose(p, (r / r.max()) ** 2)
    w = np.array(rule.update(space, draws, scores, np.random.default_rng(0)).space["x"].distribution.weights)
    expect = np.array(TARGET_W) ** 2 / np.sum(np.array(TARGET_W) ** 2)
    assert np.abs(w - expect).max() < 0.03


def test_pooled_weight_acceptance_averages_target_estimates_of_several_proposals():
    # Two batches from different proposals, each scored by its own optimal discriminator: each
    # weighted batch estimates the target, so the pool does too (and with twice the draws).
    target = one_var_space({"type": "histogram", "bins": 10, "weights": TARGET_W})
    old = one_var_space({"type": "histogram", "bins": 10})
    now = one_var_space({"type": "histogram", "bins": 10,
                         "weights": [0.04, 0.04, 0.06, 0.08, 0.1, 0.14, 0.2, 0.16, 0.1, 0.08]})
    d_old, d_now = draws_from(old, 1500, seed=21), draws_from(now, 1500, seed=22)
    hist = [updates.Batch(old, d_old, optimal_d(old, target, d_old))]
    rule = updates.get_rule("rejection", accept="weight", pool=1, ratio_cap=1.0, pseudo_count=0.0, smooth=0.0,
                            floor=0.0)
    res = rule.update(now, d_now, optimal_d(now, target, d_now), np.random.default_rng(0), history=hist)
    assert res.info["pooled_draws"] == 3000
    w = np.array(res.space["x"].distribution.weights)
    assert np.abs(w - np.array(TARGET_W)).max() < 0.03
    # pool=0 ignores the history
    res0 = updates.get_rule("rejection", accept="weight", ratio_cap=1.0).update(
        now, d_now, optimal_d(now, target, d_now), np.random.default_rng(0), history=hist)
    assert res0.info["pooled_draws"] == 1500


def test_pooled_quantile_reweights_earlier_draws_to_the_current_distribution():
    # Uninformative scores accept everything; an earlier uniform batch, importance-weighted by
    # q_now/q_old, then looks like a sample of q_now: the refit stays at q_now, not at the old uniform.
    old = one_var_space({"type": "histogram", "bins": 4})
    now_w = [0.1, 0.2, 0.3, 0.4]
    now = one_var_space({"type": "histogram", "bins": 4, "weights": now_w})
    d_old, d_now = draws_from(old, 4000, seed=31), draws_from(now, 200, seed=32)
    hist = [updates.Batch(old, d_old, np.full(4000, 0.5))]
    rule = updates.get_rule("rejection", quantile=0.5, pool=3, pseudo_count=0.0, smooth=0.0, floor=0.0)
    res = rule.update(now, d_now, np.full(200, 0.5), np.random.default_rng(0), history=hist)
    assert np.abs(np.array(res.space["x"].distribution.weights) - now_w).max() < 0.03


def test_pool_and_power_are_validated():
    with pytest.raises(UserError):
        updates.get_rule("rejection", pool=-1)
    with pytest.raises(UserError):
        updates.get_rule("rejection", pool=1.5)
    with pytest.raises(UserError):
        updates.get_rule("rejection", power=0)


def test_by_fold_takes_the_quantile_within_each_fold():
    # Fold 1's model scores everything higher than fold 0's: batch-wide, fold 0 would lose every draw.
    s = np.r_[np.linspace(0.1, 0.2, 10), np.linspace(0.8, 0.9, 10)]
    folds = np.r_[np.zeros(10, int), np.ones(10, int)]
    flat = updates.get_rule("rejection", quantile=0.5)
    per = updates.get_rule("rejection", quantile=0.5, by_fold=True)
    assert flat.acceptance(s, np.random.default_rng(0), folds).tolist() == [False] * 10 + [True] * 10
    acc = per.acceptance(s, np.random.default_rng(0), folds)
    assert acc.tolist() == ([False] * 5 + [True] * 5) * 2
    # without groups by_fold changes nothing
    assert np.array_equal(per.acceptance(s, np.random.default_rng(0)), flat.acceptance(s, np.random.default_rng(0)))
    # ratio caps per fold too: each fold's best draw gets probability 1
    w = updates.get_rule("rejection", accept="weight", ratio_cap=1.0, by_fold=True).acceptance_probability(s, folds)
    assert w[9] == 1.0 and w[19] == 1.0
