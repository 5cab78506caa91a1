# hunting_the_hessian: the talk "Hunting the Hessian" (Udell 2025), built in two parts, each
# with its own rules file (paths are relative to this file).
include: "rules_osgm.smk"
include: "rules_promise.smk"
