"""Adversarial tuning of the scene-variable distributions toward a real dataset (no bpy).

Modules, one job each:

* ``observe``       how a drawn value looks to its distribution (bin responsibilities, indices)
* ``fitting``       re-estimate a distribution from weighted draws (histogram / categorical /
                    truncnormal / poisson), floors and damping
* ``gradients``     unconstrained parameters and score functions d log q / d theta
* ``updates``       update rules by name: ``rejection`` (the paper), ``score`` (REINFORCE), ``inverse``
* ``inverse``       the inverse model: image features, bin classifiers, identifiability, prior-shift EM
* ``targets``       hidden targets for the recovery benchmarks (random ones from a seed)
* ``crossfit``      folds, so every draw is scored by a discriminator that never saw it
* ``preprocess``    one decode/crop/resize/scale path for real and rendered images
* ``lite0``         the offline ImageNet-pretrained EfficientNet-Lite0 trunk (features, KID)
* ``disc_kinds``    discriminator kinds: names, what each reads (torch-free, for the CLI)
* ``disc_models``   the model behind each kind, one registered class per kind
* ``discriminator`` training any kind, calibration, checkpoints, ``--device auto``
* ``metrics``       accuracy, ROC AUC, KID, class-proportion L1, parameter-recovery W1
* ``realdata``      ``--real`` specs: datasets via ``scenegen.datasets`` or ``params:FILE``
* ``backends``      renderers for the loop: Blender via ``render_jobs``, or the numpy ``toy``
* ``toyrender``     the numpy stand-in renderer (tests, quick checks)
* ``config``        ``TuneConfig``: every tuning setting and its default
* ``recipes``       named recipe files (``configs/recipes``), ``--config`` files, the docs' settings table
* ``run_folder``    every file name of a run folder (the loop, ``report``, resume and bench read it)
* ``loop``          the tuning loop in stages (render, score, update, measure, record), resume, evaluation
* ``best``          which iteration's distribution a run hands on
* ``report``        report.html + PNGs
* ``cli``           ``scenegen tune`` and ``scenegen report``
"""
