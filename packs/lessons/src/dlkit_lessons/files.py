"""The files a lesson adds to its sweep's folder, named once (the report writes them, the
tests and `python -m dlkit_lessons.report` find them):

    <sweep>/lesson.png   the lesson's figure
    <sweep>/lesson.md    its report: the course's sentence, the claim, the measured numbers
"""

LESSON_PNG = "lesson.png"
LESSON_MD = "lesson.md"
