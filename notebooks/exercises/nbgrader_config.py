# nbgrader settings for the Glassbox exercises (docs/classroom.md). Copy this file into the course
# directory (the folder that holds source/, release/, submitted/ and gradebook.db).
#
# Glassbox cells are not Python: solution regions and hidden tests are marked with the language's
# `//` comments, and an unanswered solution becomes a stub that fails the tests that use it.
c = get_config()  # noqa: F821 (nbgrader provides get_config)

c.ClearSolutions.begin_solution_delimeter = "// BEGIN SOLUTION"
c.ClearSolutions.end_solution_delimeter = "// END SOLUTION"
c.ClearSolutions.code_stub = {
    "glassbox": '// YOUR CODE HERE\nassert(false, "not answered yet: write your code in place of this line")',
    "python": "# YOUR CODE HERE\nraise NotImplementedError()",
}
c.ClearHiddenTests.begin_test_delimeter = "// BEGIN HIDDEN TESTS"
c.ClearHiddenTests.end_test_delimeter = "// END HIDDEN TESTS"

# Loading MNIST and a model takes a few seconds, more on a busy classroom server.
c.Execute.timeout = 300
