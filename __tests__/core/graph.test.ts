import { describe, it, expect } from '@jest/globals'
import { ModelGraph } from '../../src/core/graph.js'
import { dependsOn, fqnOf, modelInfo } from '../fixtures/builders.js'

// src.games -> stg.alpha, stg.zeta -> mart.report (a diamond whose names do not sort in dependency order).
function diamond(): ModelGraph {
  return new ModelGraph([
    modelInfo('mart.report', dependsOn('stg.zeta', 'stg.alpha')),
    modelInfo('stg.zeta', dependsOn('src.games')),
    modelInfo('stg.alpha', dependsOn('src.games')),
    modelInfo('src.games')
  ])
}

describe('ModelGraph', () => {
  describe('building the graph', () => {
    it('links parents and children through fully-qualified names', () => {
      const graph = diamond()
      expect(graph.size).toBe(4)
      expect(graph.parentsOf('mart.report')).toEqual(['stg.zeta', 'stg.alpha'])
      expect([...graph.childrenOf('src.games')].sort()).toEqual(['stg.alpha', 'stg.zeta'])
      expect(graph.childrenOf('mart.report')).toEqual([])
      expect(graph.parentsOf('no.such_model')).toEqual([])
    })

    it('ignores dependencies on plain tables that are not models', () => {
      const graph = new ModelGraph([
        modelInfo('stg.events', { dependsOn: ['"warehouse"."raw"."events"', fqnOf('src.users')] }),
        modelInfo('src.users')
      ])
      expect(graph.parentsOf('stg.events')).toEqual(['src.users'])
      expect(graph.has('raw.events')).toBe(false)
      expect(graph.topologicalOrder(['stg.events', 'src.users'])).toEqual(['src.users', 'stg.events'])
    })

    it('looks models up by name and lists them', () => {
      const graph = diamond()
      expect(graph.model('stg.alpha')?.fqn).toBe('"warehouse"."stg"."alpha"')
      expect(graph.model('stg.nope')).toBeUndefined()
      expect(graph.has('stg.alpha')).toBe(true)
      expect(graph.modelsList().map(model => model.name)).toEqual(['mart.report', 'stg.zeta', 'stg.alpha', 'src.games'])
    })
  })

  describe('nameOf', () => {
    it('maps the fully-qualified name from SQLMesh state to the model name', () => {
      expect(diamond().nameOf('"warehouse"."stg"."zeta"')).toBe('stg.zeta')
    })

    it('returns undefined for a table that is not a model of the project', () => {
      expect(diamond().nameOf('"warehouse"."raw"."events"')).toBeUndefined()
      expect(diamond().nameOf('stg.zeta')).toBeUndefined()
    })
  })

  describe('withDownstream', () => {
    it('returns the model plus everything downstream of it', () => {
      expect([...diamond().withDownstream(['stg.alpha'])].sort()).toEqual(['mart.report', 'stg.alpha'])
      expect([...diamond().withDownstream(['src.games'])].sort()).toEqual([
        'mart.report',
        'src.games',
        'stg.alpha',
        'stg.zeta'
      ])
    })

    it('returns a leaf model alone', () => {
      expect([...diamond().withDownstream(['mart.report'])]).toEqual(['mart.report'])
    })

    it('ignores names that are not in the graph', () => {
      expect([...diamond().withDownstream(['raw.deleted_model', 'stg.zeta'])].sort()).toEqual([
        'mart.report',
        'stg.zeta'
      ])
      expect(diamond().withDownstream(['raw.deleted_model']).size).toBe(0)
    })

    it('terminates on a cycle', () => {
      const graph = new ModelGraph([modelInfo('cyc.a', dependsOn('cyc.b')), modelInfo('cyc.b', dependsOn('cyc.a'))])
      expect([...graph.withDownstream(['cyc.a'])].sort()).toEqual(['cyc.a', 'cyc.b'])
    })
  })

  describe('topologicalOrder', () => {
    it('orders a diamond upstream first with ties broken by name', () => {
      expect(diamond().topologicalOrder(['mart.report', 'stg.zeta', 'stg.alpha', 'src.games'])).toEqual([
        'src.games',
        'stg.alpha',
        'stg.zeta',
        'mart.report'
      ])
    })

    it('gives the same order whatever order the names come in', () => {
      const graph = diamond()
      const expected = ['src.games', 'stg.alpha', 'stg.zeta', 'mart.report']
      expect(graph.topologicalOrder(['src.games', 'stg.alpha', 'stg.zeta', 'mart.report'])).toEqual(expected)
      expect(graph.topologicalOrder(['stg.alpha', 'mart.report', 'src.games', 'stg.zeta'])).toEqual(expected)
    })

    it('takes a model unlocked later before a ready one whose name sorts after it', () => {
      // b and d are roots; a depends on b. Once b is taken, a is ready and sorts before d.
      const graph = new ModelGraph([modelInfo('x.d'), modelInfo('x.b'), modelInfo('x.a', dependsOn('x.b'))])
      expect(graph.topologicalOrder(['x.d', 'x.a', 'x.b'])).toEqual(['x.b', 'x.a', 'x.d'])
    })

    it('orders only the subset, keeping the order that models outside it impose', () => {
      // With src.games left out, both staging models still come before the mart that reads them.
      expect(diamond().topologicalOrder(['mart.report', 'stg.zeta', 'stg.alpha'])).toEqual([
        'stg.alpha',
        'stg.zeta',
        'mart.report'
      ])
    })

    it('ignores names that are not in the graph and duplicates', () => {
      expect(diamond().topologicalOrder(['mart.report', 'gone.model', 'stg.alpha', 'stg.alpha'])).toEqual([
        'stg.alpha',
        'mart.report'
      ])
    })

    it('returns an empty order for an empty subset', () => {
      expect(diamond().topologicalOrder([])).toEqual([])
    })

    it('throws on a cycle, naming the models caught in it', () => {
      const graph = new ModelGraph([
        modelInfo('cyc.b', dependsOn('cyc.a')),
        modelInfo('cyc.a', dependsOn('cyc.b')),
        modelInfo('cyc.root')
      ])
      expect(() => graph.topologicalOrder(['cyc.root', 'cyc.b', 'cyc.a'])).toThrow(
        new Error('The model graph has a cycle through: cyc.a, cyc.b')
      )
    })
  })

  describe('topologicalOrder through models outside the subset', () => {
    it('puts a model after one it reads from through a model that is not in the subset', () => {
      const graph = new ModelGraph([
        modelInfo('a.source'),
        modelInfo('m.middle', dependsOn('a.source')),
        modelInfo('b.last', dependsOn('m.middle'))
      ])
      // By name alone b.last would come first; by dependency it must come last.
      expect(graph.topologicalOrder(['b.last', 'a.source'])).toEqual(['a.source', 'b.last'])
      expect(
        new ModelGraph([
          modelInfo('z.source'),
          modelInfo('m.middle', dependsOn('z.source')),
          modelInfo('a.last', dependsOn('m.middle'))
        ]).topologicalOrder(['a.last', 'z.source'])
      ).toEqual(['z.source', 'a.last'])
    })
  })

  describe('affectedChain', () => {
    it('is the changed models plus everything downstream, upstream first', () => {
      expect(diamond().affectedChain(['stg.zeta'])).toEqual(['stg.zeta', 'mart.report'])
      expect(diamond().affectedChain(['mart.report', 'src.games'])).toEqual([
        'src.games',
        'stg.alpha',
        'stg.zeta',
        'mart.report'
      ])
    })

    it('is empty when nothing in the graph changed', () => {
      expect(diamond().affectedChain([])).toEqual([])
      expect(diamond().affectedChain(['removed.model'])).toEqual([])
    })
  })

  describe('edgesWithin', () => {
    it('lists parent -> child edges among the subset, in the subset order, parents sorted', () => {
      expect(diamond().edgesWithin(['src.games', 'stg.alpha', 'stg.zeta', 'mart.report'])).toEqual([
        ['src.games', 'stg.alpha'],
        ['src.games', 'stg.zeta'],
        ['stg.alpha', 'mart.report'],
        ['stg.zeta', 'mart.report']
      ])
    })

    it('leaves out edges to models outside the subset', () => {
      expect(diamond().edgesWithin(['stg.zeta', 'mart.report'])).toEqual([['stg.zeta', 'mart.report']])
      expect(diamond().edgesWithin(['src.games', 'mart.report'])).toEqual([])
    })
  })
})
