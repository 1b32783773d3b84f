// Starts the project's tslab kernel with the project root as working directory, so notebooks import the
// library as "./src/..." wherever they live. Jupyter finds this spec through JUPYTER_PATH (see README).
const path = require('node:path');
const root = path.resolve(__dirname, '..', '..', '..');
process.chdir(root);
const { startKernel } = require(path.join(root, 'node_modules', 'tslab', 'dist', 'main.js'));
startKernel({ configPath: process.argv[2], enableFindLocal: false });
