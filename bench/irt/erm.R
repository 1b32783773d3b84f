# Reference Rasch calibration with eRm (conditional maximum likelihood): reads a persons x items 0/1 matrix
# (CSV with a header of item ids, first column person id), writes item difficulties and person abilities.
# Usage: Rscript bench/irt/erm.R MATRIX.csv ITEMS_OUT.csv PERSONS_OUT.csv
suppressMessages(library(eRm))
args <- commandArgs(trailingOnly = TRUE)
x <- read.csv(args[1], check.names = FALSE, row.names = 1)
m <- RM(as.matrix(x))
# eRm's beta parameters are easiness; difficulties are their negatives (sum0 = TRUE: they sum to zero).
items <- data.frame(item = colnames(x), difficulty = -m$betapar, se = m$se.beta)
write.csv(items, args[2], row.names = FALSE)
pp <- person.parameter(m)
th <- coef(pp)
persons <- data.frame(person = names(th), theta = as.numeric(th))
tt <- pp$theta.table
persons$interpolated <- tt[match(persons$person, rownames(tt)), "Interpolated"]
write.csv(persons, args[3], row.names = FALSE)
cat(sprintf("eRm %s: %d items, %d persons, conditional log-likelihood %.4f\n", as.character(packageVersion("eRm")), ncol(x), nrow(x), m$loglik))
