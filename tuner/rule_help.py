"""What each ``--rule-opt`` key means, torch- and numpy-free for ``scenegen tune --help``.

The defaults live on the rules' dataclasses (:mod:`tuner.updates`); a test keeps these keys in step.
"""
import textwrap

RULE_OPTIONS = {
    "rejection": {
        "accept": "quantile keeps draws scored at or above the quantile; ratio accepts each with probability "
                  "~ D/(1-D); weight uses that probability as a fractional count",
        "quantile": "the acceptance quantile of the batch's scores (accept=quantile)",
        "ratio_cap": "quantile of the batch's ratios taken as their maximum (accept=ratio|weight; 1 = exact)",
        "power": "raise the ratio D/(1-D) to this power first (>1 sharper, <1 flatter)",
        "pool": "also refit from the accepted draws of up to this many earlier iterations, importance-weighted",
        "by_fold": "take the threshold within each cross-fitting fold (each fold has its own discriminator)",
        "damping": "mix the refitted distribution with the previous one (0 = none)",
        "pseudo_count": "draws added to every bin or category when refitting (Laplace smoothing)",
        "smooth": "weight of each neighbouring histogram bin in the refit's smoothing kernel",
        "floor": "lowest bin or category probability, as a share of the uniform one",
        "min_std_frac": "lowest truncated-normal std, as a share of the support",
    },
    "score": {
        "lr": "step size of the REINFORCE update",
        "reward": "logit (log D/(1-D)) or prob (D) as a draw's reward",
        "normalize": "divide the advantages by their standard deviation",
        "natural": "precondition with the diagonal inverse Fisher information",
        "max_step": "cap on the step of any one distribution parameter",
        "floor": "lowest bin or category probability after the step, as a share of the uniform one",
    },
    "inverse": {
        "window": "renders of this many latest iterations train the inverse model (0 = all so far)",
        "folds": "cross-fitting folds that choose the ridge penalty and measure identifiability",
        "prior_images": "strength, in images, of the pull toward the current distribution when reading the real ones",
        "min_bits": "a variable the images say less than this about (bits per image) keeps its distribution",
        "deconfound": "read weakly read variables corrected for the real images' shift in strongly read ones",
        "damping": "mix the refitted distribution with the previous one (0 = none)",
        "pseudo_count": "draws added to every bin or category when refitting (Laplace smoothing)",
        "smooth": "weight of each neighbouring histogram bin in the refit's smoothing kernel",
        "floor": "lowest bin or category probability, as a share of the uniform one",
        "min_std_frac": "lowest truncated-normal std, as a share of the support",
    },
}


def rule_options_epilog() -> str:
    """The ``--rule-opt`` keys of every rule with their meaning, for the help's epilog."""
    lines = ["--rule-opt keys (defaults: tuner/updates.py):"]
    for rule, options in RULE_OPTIONS.items():
        lines.append(f"  {rule}:")
        lines.extend(textwrap.fill(f"{key}: {meaning}", 96, initial_indent="    ", subsequent_indent="      ")
                     for key, meaning in options.items())
    return "\n".join(lines)
