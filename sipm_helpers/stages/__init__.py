"""Stage layer: what runs a stage notebook, between present and batch. A stage is one
module here (its declared parameters, the pairs it runs for, the function its notebook
calls, its ``STAGE``); ``registry`` lists them and the stages of plug-ins; ``stage``,
``parameters`` and ``session`` hold what they share."""
