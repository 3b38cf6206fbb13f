"""The files the diagnostics write, named once: the callbacks, the finders and `make compare`
all take their names from here, and so do the lessons that read them back.

    <run>/gradient_flow.csv, .png   GradientFlow: per-layer gradient norms, activation spread
    <run>/lr_find.png               the learning-rate finder (callback or `make lr-find`)
    <out>/comparison.png, .md       `make compare`: overlaid curves, a table of the runs
"""

GRADIENT_FLOW_CSV = "gradient_flow.csv"
GRADIENT_FLOW_PNG = "gradient_flow.png"
LR_FIND_PNG = "lr_find.png"
COMPARISON_PNG = "comparison.png"
COMPARISON_MD = "comparison.md"
