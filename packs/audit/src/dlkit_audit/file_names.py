"""Every file the audit pack adds to a run folder, named once (the core's `RunFolder` names its
own): what `make audit` and `make explain` leave behind.

    <run>/calibration.png          classification: the test split's reliability diagram
    <run>/confident_mistakes.csv   classification: the wrong test predictions, most confident first
    <run>/confident_mistakes.png   images: the most confident mistakes as pictures
    <run>/largest_errors.csv       regression: the test predictions, the largest error first
    <run>/group_metrics.png        `audit.group_column=…`: the scores per group
    <run>/attributions.png         `make explain`: the attributions as pictures
    <run>/attributions.csv         `make explain` on tables: a row per input, a column per column
    <run>/attributions.npz         `make explain`: the attributions, inputs and outputs as arrays
"""

CALIBRATION_PNG = "calibration.png"
CONFIDENT_MISTAKES_CSV = "confident_mistakes.csv"
CONFIDENT_MISTAKES_PNG = "confident_mistakes.png"
LARGEST_ERRORS_CSV = "largest_errors.csv"
GROUP_METRICS_PNG = "group_metrics.png"
ATTRIBUTIONS_PNG = "attributions.png"
ATTRIBUTIONS_CSV = "attributions.csv"
ATTRIBUTIONS_NPZ = "attributions.npz"
