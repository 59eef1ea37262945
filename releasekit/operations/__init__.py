"""What a release is made of, for this project: plain functions named by concern (building,
artifact checks, publishing, the published release, the repository, the changelog and version
edits, conda packages, CI set-up). The rite, the tasks and the tests call them."""
