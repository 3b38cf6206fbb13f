# The lessons pack's target (packs/lessons/): the course, one sweep per lesson.
.PHONY: lesson

lesson: $(STAMP) ## the course's lessons: make lesson (the list); make lesson name=vanishing_gradients
	@$(call hydra,dlkit_lessons.cli)
