"""The process page (`/process`): the state diagram of the admission process, drawn from the live
workflow definition (pipeline.workflow.definition), with how many cases of the user's scope are in
each stage now."""
