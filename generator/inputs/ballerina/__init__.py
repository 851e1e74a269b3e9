"""Reading a Ballerina package: what the program declares, so hardgen's configuration can match it.

`lexer` tokenizes Ballerina source, `syntax` reads the module-level declarations of one file, `project`
reads a package folder (Ballerina.toml, Dependencies.toml, the default module and `modules/*`). Nothing here
knows the answers model: the project is handed on as plain records (`generator.model.project` derives
answers from it, `generator.render.contract` checks the generated configuration against it). Only a run
with a project imports these modules.
"""
